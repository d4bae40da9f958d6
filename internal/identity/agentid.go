package identity

import "fmt"

// maxAgentIDLen bounds agent ids everywhere identity touches them.
const maxAgentIDLen = 256

// ValidAgentID checks the syntax of an agent id with the configuration's
// rule: 1 to 256 ASCII letters, digits and . _ : @ / -, starting with a
// letter or digit.
func ValidAgentID(id string) error {
	if id == "" {
		return fmt.Errorf("must not be empty")
	}
	if len(id) > maxAgentIDLen {
		return fmt.Errorf("is %d bytes; the limit is %d", len(id), maxAgentIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-' || c == ':' || c == '@' || c == '/'):
		default:
			return fmt.Errorf("contains %q at offset %d; an agent id is letters, digits and . _ : @ / -, starting with a letter or digit", c, i)
		}
	}
	return nil
}
