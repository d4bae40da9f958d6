// Package pin checks the HTTPS URLs and content pins a manifest may carry
// (URL extends, rego bundle_url, annotator system_prompt_url, the top-level
// manifest URL), so that the validator and the loader apply one rule.
package pin

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// CheckHTTPSURL reports whether raw is an absolute HTTPS URL with a host and
// without credentials or a fragment, the only URLs a manifest may name.
func CheckHTTPSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("URL %q is invalid: %w", raw, err)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return fmt.Errorf("URL %q uses unsupported URL scheme %q; only https is allowed", raw, u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("URL %q has no host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("URL %q must not include credentials", raw)
	}
	if strings.Contains(raw, "#") {
		return fmt.Errorf("URL %q must not include a fragment", raw)
	}
	return nil
}

// HasScheme reports whether ref starts with a URL scheme ("x://"), which
// makes it a URL rather than a relative path.
func HasScheme(ref string) bool {
	ref = strings.TrimLeft(ref, " \t")
	i := strings.Index(ref, "://")
	if i <= 0 {
		return false
	}
	for j, c := range ref[:i] {
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if j == 0 && !alpha || !(alpha || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// SHA256 decodes a sha256 pin: 64 hexadecimal digits (either case).
func SHA256(s string) ([]byte, error) {
	d, err := hex.DecodeString(s)
	if len(s) != 64 || err != nil {
		return nil, fmt.Errorf("sha256 pin %q must be 64 hexadecimal characters", s)
	}
	return d, nil
}

// Integrity decodes an SRI "sha256-<base64>" pin into the digest it names
// (standard or URL-safe alphabet, padded or not).
func Integrity(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(s, "sha256-")
	if !ok {
		return nil, fmt.Errorf("integrity pin %q must be sha256-<base64>", s)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if d, err := enc.Strict().DecodeString(b64); err == nil {
			if len(d) != sha256.Size {
				return nil, fmt.Errorf("integrity pin %q must name a 32-byte sha256 digest", s)
			}
			return d, nil
		}
	}
	return nil, fmt.Errorf("integrity pin %q must be sha256-<base64>", s)
}

// Verify checks body against a sha256 or integrity pin (at most one may be
// set; none set passes).
func Verify(body []byte, sha, integrity string) error {
	var want []byte
	var err error
	switch {
	case sha != "" && integrity != "":
		return fmt.Errorf("a URL must not carry both sha256 and integrity")
	case sha != "":
		want, err = SHA256(sha)
	case integrity != "":
		want, err = Integrity(integrity)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	got := sha256.Sum256(body)
	if !bytes.Equal(got[:], want) {
		return fmt.Errorf("content does not match its pin (sha256 %x)", got)
	}
	return nil
}
