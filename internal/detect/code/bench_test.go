package code

import (
	"fmt"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect/detecttest"
)

// benchCode is realistic Python an agent writes: a small service with
// subprocess calls, SQL, HTTP and file handling, mostly safe, with one
// injection.
const benchCode = `import os
import subprocess
import requests
from flask import Flask, request

app = Flask(__name__)
API = os.environ.get("API_BASE", "https://api.example.com")

@app.route("/status")
def status():
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
    return {"commit": out.stdout.strip()}

def fetch_items(session, owner):
    resp = session.get(f"{API}/v1/items", params={"owner": owner}, timeout=10)
    resp.raise_for_status()
    return resp.json()

def save(cur, item):
    cur.execute("INSERT INTO items (id, name) VALUES (%s, %s)", (item["id"], item["name"]))

def report(cur, day):
    cur.execute("SELECT count(*) FROM items WHERE day = '" + day + "'")
    return cur.fetchone()[0]

with open("config.json") as fh:
    settings = fh.read()
`

// benchInput repeats benchCode to size bytes, cut at a line end and
// padded with a comment, so that the code stays well-formed.
func benchInput(size int) string {
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(benchCode)
	}
	s := b.String()[:size]
	s = s[:strings.LastIndexByte(s, '\n')+1]
	if pad := size - len(s); pad > 0 {
		s += "#" + strings.Repeat("-", max(pad-2, 0)) + "\n"
		s = s[:size]
	}
	return s
}

// BenchmarkCodeScan1KB is the headline number: one kilobyte of Python.
func BenchmarkCodeScan1KB(b *testing.B) {
	d := New()
	src := benchInput(1 << 10)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Find(src, Python); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCodeScanLanguages: one kilobyte in each language, from the dev
// corpus.
func BenchmarkCodeScanLanguages(b *testing.B) {
	d := New()
	samples := loadCorpus(b, "dev")
	for _, l := range Languages() {
		var sb strings.Builder
		for sb.Len() < 1<<10 {
			for _, s := range samples {
				if s.lang == string(l) && sb.Len() < 1<<10 {
					sb.WriteString(s.code + "\n")
				}
			}
		}
		src := sb.String()
		b.Run(string(l), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := d.Find(src, l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLinearTime: time grows linearly with the input in every language,
// also for pathological shapes (one long line, deep call nesting within
// the limit, one huge string): 8× the input may cost at most 16× the CPU
// time (detecttest.LinearTime).
func TestLinearTime(t *testing.T) {
	d := New()
	shapes := map[string]func(n int) (Language, string){
		"python":    func(n int) (Language, string) { return Python, benchInput(n) },
		"python-+=": func(n int) (Language, string) { return Python, repeatTo("s += 'x' + y\ncur.execute(s)\n", n) },
		"bash": func(n int) (Language, string) {
			return Bash, repeatTo("curl -s https://x.example/a | jq . && rm -rf ./b; echo \"$(date)\"\n", n)
		},
		"go": func(n int) (Language, string) {
			return Go, "package p\nfunc f() {\n" + repeatTo("db.Query(fmt.Sprintf(\"SELECT %s\", x))\n", n) + "}\n"
		},
		"javascript": func(n int) (Language, string) {
			return JavaScript, repeatTo("el.innerHTML = a + b; db.query('SELECT 1 WHERE a=' + c);\n", n)
		},
		"typescript": func(n int) (Language, string) {
			return TypeScript, repeatTo("const x: string = `a${b}`; exec(x);\n", n)
		},
		"sql": func(n int) (Language, string) {
			return SQL, repeatTo("SELECT * FROM t WHERE a = 'x' OR 1=1; -- c\n", n)
		},
		"embed-reuse": func(n int) (Language, string) {
			return Python, "c = '" + strings.Repeat("a", n/2) + "'\n" + repeatTo("os.system(c)\n", n/2)
		},
	}
	for name, shape := range shapes {
		t.Run(name, func(t *testing.T) {
			detecttest.LinearTime(t, func(n int) error {
				lang, src := shape(n)
				_, err := d.Find(src, lang)
				return err
			})
		})
	}
}

func repeatTo(s string, n int) string {
	if n <= 0 {
		return ""
	}
	out := strings.Repeat(s, n/len(s)+1)
	out = out[:n]
	return fmt.Sprint(out)
}
