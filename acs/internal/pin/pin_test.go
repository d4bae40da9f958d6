package pin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestCheckHTTPSURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://h.example/a.yaml":      true,
		"HTTPS://h.example/a.yaml?x=1":  true,
		"http://h.example/a.yaml":       false,
		"file:///etc/passwd":            false,
		"https:///a.yaml":               false,
		"https://u:p@h.example/a.yaml":  false,
		"https://h.example/a.yaml#frag": false,
		"https://h.example/a.yaml#":     false,
		"//h.example/a.yaml":            false,
		"a.yaml":                        false,
		"https://h .example/":           false,
	} {
		if err := CheckHTTPSURL(u); (err == nil) != ok {
			t.Errorf("CheckHTTPSURL(%q) = %v", u, err)
		}
	}
}

func TestHasScheme(t *testing.T) {
	for ref, want := range map[string]bool{
		"https://x": true, "http://x": true, "git+ssh://x": true, " ftp://x": true,
		"base.yaml": false, "./a://b": false, "1http://x": false, "://x": false, "C:\\x": false, "a/b://c": false,
	} {
		if got := HasScheme(ref); got != want {
			t.Errorf("HasScheme(%q) = %v", ref, got)
		}
	}
}

func TestVerify(t *testing.T) {
	body := []byte("manifest")
	sum := sha256.Sum256(body)
	hexPin := hex.EncodeToString(sum[:])
	std := "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
	raw := "sha256-" + base64.RawURLEncoding.EncodeToString(sum[:])
	for _, tc := range []struct {
		sha, integrity string
		ok             bool
	}{
		{"", "", true},
		{hexPin, "", true},
		{strings.ToUpper(hexPin), "", true},
		{"", std, true},
		{"", raw, true},
		{hexPin, std, false},
		{hexPin[:63], "", false},
		{strings.Repeat("0", 64), "", false},
		{"", "sha512-" + base64.StdEncoding.EncodeToString(sum[:]), false},
		{"", "sha256-" + base64.StdEncoding.EncodeToString(sum[:16]), false},
		{"", "sha256-!!!", false},
	} {
		if err := Verify(body, tc.sha, tc.integrity); (err == nil) != tc.ok {
			t.Errorf("Verify(%q, %q) = %v", tc.sha, tc.integrity, err)
		}
	}
}
