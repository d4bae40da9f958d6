package secrets

import (
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect/detecttest"
)

// FuzzFind: the detector never panics and returns in-range, ordered,
// non-overlapping spans on rune boundaries whose Detail does not repeat
// the secret.
func FuzzFind(f *testing.F) {
	detecttest.FuzzFind(f, Default().Find,
		"", "password=", "password: \"", "-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\\nMIIE",
		"postgres://a:b@c", "://:@", "eyJ.eyJ.", "Authorization: Bearer ", "key=\"\"", "<key>v</key>",
		"sk-ant-api03-"+strings.Repeat("A", 90), "ghp_"+strings.Repeat("a1", 18), "mysql -p'x",
		"curl -u a:b", "?token=abc&", "Password=;Server=x", "\xff\xfetoken=\xff", strings.Repeat("secret=", 50),
	)
}

// FuzzFilters: entropy, placeholder, key classification never panic.
func FuzzFilters(f *testing.F) {
	for _, s := range []string{"", "x", "db_password", "apiKey", "${X}", "a.b.c", "ÿ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e := entropy(s); e < 0 || e > 8 {
			t.Fatalf("entropy %v", e)
		}
		_ = isPlaceholder(s)
		_ = looksLikeCode(s)
		_ = classifyKey(s)
		_ = charClasses(s)
	})
}
