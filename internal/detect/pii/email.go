package pii

import "strings"

// scanEmails finds e-mail addresses by their '@': the local part is grown
// to the left and the domain to the right over the characters each may
// hold, then checked. URL user-info (scheme://user:pass@host), git remotes
// (git@host:path), package scopes (@types/node) and retina asset names
// (logo@2x.png) are not addresses.
func (s *scan) scanEmails() {
	text := s.text
	for off := 0; off < len(text); {
		k := strings.IndexByte(text[off:], '@')
		if k < 0 {
			return
		}
		at := off + k
		off = at + 1
		ls := at
		for ls > 0 && isLocalByte(text[ls-1]) {
			ls--
		}
		// Quotes, dots and hyphens at the edge are punctuation.
		for ls < at && (text[ls] == '.' || text[ls] == '\'' || text[ls] == '-') {
			ls++
		}
		de := at + 1
		for de < len(text) && isDomainByte(text[de]) {
			de++
		}
		for de > at+1 && (text[de-1] == '.' || text[de-1] == '-') {
			de--
		}
		if ls == at || de == at+1 || at-ls > 64 || de-at-1 > 253 {
			continue
		}
		if !validLocal(text[ls:at]) || !validDomain(text[at+1:de]) {
			continue
		}
		// user:pass@host inside a URL.
		if ls > 0 && (text[ls-1] == ':' || text[ls-1] == '/') {
			lo := max(0, ls-256)
			tok := strings.LastIndexAny(text[lo:ls], " \t\r\n\"'<>(") + 1 + lo
			if strings.Contains(text[tok:ls], "//") || text[ls-1] == '/' {
				continue
			}
		}
		// git@github.com:org/repo
		if de+1 < len(text) && text[de] == ':' && !isSpace(text[de+1]) {
			continue
		}
		s.add(eEmail, ls, de, 0.9)
		off = de
	}
}

func isLocalByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\''
}

func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func validLocal(l string) bool {
	if l == "" || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	return true
}

// notTLD are file extensions that follow '@' in asset names and
// decorators, never in addresses.
var notTLD = map[string]bool{
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true,
	"ico": true, "bmp": true, "tif": true, "tiff": true, "css": true, "js": true,
	"ts": true, "tsx": true, "jsx": true, "json": true, "xml": true, "yml": true,
	"yaml": true, "txt": true, "lock": true, "html": true, "htm": true, "exe": true,
	"dll": true, "git": true, "md": true, "py": true, "go": true, "rb": true,
	"java": true, "mp4": true, "mp3": true, "wav": true, "pdf": true, "csv": true,
}

func validDomain(d string) bool {
	labels := 0
	last := ""
	for len(d) > 0 {
		i := strings.IndexByte(d, '.')
		var l string
		if i < 0 {
			l, d = d, ""
		} else {
			l, d = d[:i], d[i+1:]
			if d == "" {
				return false
			}
		}
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		last = l
	}
	if labels < 2 || len(last) < 2 {
		return false
	}
	for i := 0; i < len(last); i++ {
		c := last[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return !notTLD[strings.ToLower(last)]
}
