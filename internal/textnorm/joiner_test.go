package textnorm

import "testing"

// Zero-width joiners are spelling inside Persian and Indic words, and a
// hiding place anywhere else.
func TestOrthographicJoiner(t *testing.T) {
	for _, c := range []struct {
		name, in  string
		invisible int
	}{
		{"persian zwnj inside a word", "پیام را ارسال می\u200cکند", 0},
		{"bengali zwj inside a word", "র\u200dযাব", 0},
		{"hindi zwnj inside a word", "क\u200cष", 0},
		{"zwnj between latin letters", "read\u200cfile", 1},
		{"zwj between latin letters", "read\u200dfile", 1},
		{"zwnj after persian before latin", "می\u200cx", 1},
		{"zwnj at the end", "می\u200c", 1},
		{"zero-width space inside persian", "می\u200bکند", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := Normalize(c.in, Options{})
			if n.Signals.Invisible != c.invisible {
				t.Errorf("Invisible = %d, want %d (base %q)", n.Signals.Invisible, c.invisible, n.Base.Text)
			}
		})
	}
}
