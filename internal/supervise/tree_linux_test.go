package supervise

import "testing"

func TestParseStat(t *testing.T) {
	tests := []struct {
		in   string
		want proc
		ok   bool
	}{
		{"42 (sleep) S 7 42 42 0 -1 4194304 100 0 0 0 5 3 0 0 20 0 1 0 777 1000 50", proc{pid: 42, ppid: 7, pgid: 42, start: 777}, true},
		{"43 (a) b) (c) Z 1 9 9 0 -1 4194304 100 0 0 0 5 3 0 0 20 0 1 0 12345", proc{pid: 43, ppid: 1, pgid: 9, start: 12345, zombie: true}, true},
		{"47 (short) S 1 2 2 0 -1", proc{}, false},
		{"44 (x y) R 2", proc{}, false},
		{"(x) S 1 2", proc{}, false},
		{"45 x S 1 2", proc{}, false},
		{"46 (x) S -1 2", proc{}, false},
	}
	for _, tc := range tests {
		got, ok := parseStat([]byte(tc.in))
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseStat(%q) = %+v %v, want %+v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	env := []byte("A=1\x00" + TokenVar + "=ab\x00B=2")
	if !hasToken(env, TokenVar+"=ab") || hasToken(env, TokenVar+"=a") || hasToken(env, "B") {
		t.Error("hasToken")
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (sleep) S 7 42 42 0 -1 4194304 100 0 0 0 5 3 0 0 20 0 1 0 777 1000 50"))
	f.Add([]byte("43 (a) b) (c) Z 1 9 9 0 -1 4194304 100 0 0 0 5 3 0 0 20 0 1 0 12345"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := parseStat(b)
		if ok && (p.pid <= 0 || p.ppid < 0 || p.pgid < 0) {
			t.Fatalf("parseStat(%q) = %+v", b, p)
		}
		_ = hasToken(b, TokenVar+"=x")
	})
}
