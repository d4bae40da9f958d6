package fetch

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestValidateURLAllowed(t *testing.T) {
	for _, raw := range []string{
		"https://manifests.example.com/base.yaml",
		"HTTPS://Manifests.Example.COM/base.yaml", // scheme and host case-insensitive
		"https://manifests.example.com:8443/a/b?x=1",
		"https://my_service.internal/x", // underscores occur in real names
		"https://10.0.0.1/x",            // RFC 1918 stays allowed (§2.2)
		"https://172.16.5.4/x",
		"https://192.168.1.10:444/x",
		"https://8.8.8.8/x",
		"https://[2001:db8::1]/x",
		"https://[::ffff:10.0.0.1]/x", // mapped RFC 1918 is still RFC 1918
		"https://[fd00::1]/x",         // unique-local is not link-local
		"https://0x7f.example.com/x",  // numeric-looking label, but not the last
		"https://1password.com/x",
		"https://example.com",
	} {
		if _, err := ValidateURL(raw); err != nil {
			t.Errorf("ValidateURL(%q) = %v, want allowed", raw, err)
		}
	}
}

func TestValidateURLRefused(t *testing.T) {
	cases := map[string]string{
		// scheme
		"http://manifests.example.com/x":   "plain http",
		"ftp://manifests.example.com/x":    "ftp",
		"file:///etc/passwd":               "file",
		"javascript:alert(1)":              "javascript",
		"manifests.example.com/x":          "no scheme",
		"//manifests.example.com/x":        "scheme-relative",
		"https:manifests.example.com":      "opaque",
		"wss://manifests.example.com/x":    "wss",
		"https+unix://manifests.example.c": "odd scheme",
		// user-info, fragments
		"https://user@manifests.example.com/x":    "user",
		"https://user:pw@manifests.example.com/x": "user:pw",
		"https://:@manifests.example.com/x":       "empty user-info",
		"https://manifests.example.com/x#frag":    "fragment",
		"https://manifests.example.com/x#":        "empty fragment",
		// host shape
		"https:///x":                          "no host",
		"https://manifests.example.com:0/x":   "port 0",
		"https://manifests.example.com:99999": "port too big",
		"https://manifests.example.com:/x":    "empty port",
		"https://manifests.example.com./x":    "trailing dot",
		"https://manifests..example.com/x":    "empty label",
		"https://bücher.example/x":            "non-ASCII",
		"https://%31%32%37.0.0.1/x":           "percent-encoded loopback",
		"https://exa%21mple.com/x":            "odd char",
		// banned literals
		"https://127.0.0.1/x":                  "loopback",
		"https://127.255.0.9:8443/x":           "loopback /8",
		"https://[::1]/x":                      "v6 loopback",
		"https://169.254.169.254/latest/meta":  "metadata",
		"https://169.254.0.1/x":                "link-local",
		"https://[fe80::1]/x":                  "v6 link-local",
		"https://[febf::1]/x":                  "v6 link-local top",
		"https://[fe80::1%25eth0]/x":           "zone",
		"https://0.0.0.0/x":                    "unspecified",
		"https://0.1.2.3/x":                    "this network",
		"https://[::]/x":                       "v6 unspecified",
		"https://255.255.255.255/x":            "broadcast",
		"https://[::ffff:169.254.169.254]/x":   "mapped metadata",
		"https://[::ffff:a9fe:a9fe]/x":         "mapped metadata hex",
		"https://[::ffff:7f00:1]/x":            "mapped loopback hex",
		"https://[0:0:0:0:0:ffff:127.0.0.1]/x": "mapped loopback long",
		"https://[::127.0.0.1]/x":              "compatible loopback",
		"https://[::169.254.169.254]/x":        "compatible metadata",
		"https://[::ffff:0:127.0.0.1]/x":       "translated loopback",
		"https://[::ffff:255.255.255.255]/x":   "mapped broadcast",
		"https://[::ffff:0.0.0.0]/x":           "mapped unspecified",
		"https://localhost/x":                  "localhost",
		"https://LOCALHOST:8443/x":             "localhost upper",
		"https://api.localhost/x":              "under localhost",
		"https://[127.0.0.1]/x":                "v4 in brackets",
		// non-canonical numeric spellings
		"https://2130706433/x":        "decimal",
		"https://0x7f.1/x":            "hex+short",
		"https://0x7F000001/x":        "hex",
		"https://0177.0.0.1/x":        "octal",
		"https://127.1/x":             "short",
		"https://127.0.1/x":           "three parts",
		"https://127.0.0.1./x":        "trailing dot",
		"https://017700000001/x":      "octal whole",
		"https://0x/x":                "bare 0x",
		"https://1.2.3.4.5/x":         "five parts",
		"https://example.123/x":       "numeric TLD",
		"https://10.0.0.01/x":         "leading zero even if private",
		"https://3232235777/x":        "decimal private",
		"https://0xa9.0xfe.0xa9.0xfe": "hex metadata",
	}
	for raw, why := range cases {
		_, err := ValidateURL(raw)
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: ValidateURL(%q) = %v, want ErrForbidden", why, raw, err)
		}
	}
}

func TestValidateURLLength(t *testing.T) {
	raw := "https://manifests.example.com/" + strings.Repeat("a", maxURLLen)
	if _, err := ValidateURL(raw); !errors.Is(err, ErrForbidden) {
		t.Fatalf("over-long URL: %v", err)
	}
	// Short enough as written, too long once escaped (what is requested).
	escaped := "https://manifests.example.com/" + strings.Repeat(" ", maxURLLen/3+1)
	if _, err := ValidateURL(escaped); !errors.Is(err, ErrForbidden) {
		t.Fatalf("URL over the limit once escaped: %v", err)
	}
	long := "https://" + strings.Repeat("a", 64) + ".example.com/"
	if _, err := ValidateURL(long); !errors.Is(err, ErrForbidden) {
		t.Fatalf("64-byte label: %v", err)
	}
}

func TestValidateURLErrorRedactsQuery(t *testing.T) {
	_, err := ValidateURL("http://manifests.example.com/x?token=s3cret")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v leaks or is nil", err)
	}
}

func TestBannedReason(t *testing.T) {
	for s, want := range map[string]string{
		"127.0.0.1":              "loopback",
		"::1":                    "loopback",
		"169.254.169.254":        "link-local",
		"fe80::abcd":             "link-local",
		"0.0.0.0":                "unspecified",
		"::":                     "unspecified",
		"255.255.255.255":        "broadcast",
		"::ffff:169.254.169.254": "link-local",
		"::127.0.0.2":            "loopback",
		"::ffff:0:7f00:1":        "loopback",
		"10.0.0.1":               "",
		"192.168.0.1":            "",
		"172.31.255.255":         "",
		"::ffff:192.168.0.1":     "",
		"2001:db8::127.0.0.1":    "", // not an embedding form
		"fec0::1":                "",
		"255.255.255.254":        "",
		"1.0.0.0":                "",
	} {
		if got := bannedReason(netip.MustParseAddr(s)); got != want {
			t.Errorf("bannedReason(%s) = %q, want %q", s, got, want)
		}
	}
}

func TestCheckHost(t *testing.T) {
	if err := CheckHost("::ffff:127.0.0.1"); !errors.Is(err, ErrForbidden) {
		t.Errorf("mapped loopback: %v", err)
	}
	if err := CheckHost("0x7f.1"); !errors.Is(err, ErrForbidden) {
		t.Errorf("hex: %v", err)
	}
	if err := CheckHost(testHost); err != nil {
		t.Errorf("name: %v", err)
	}
}
