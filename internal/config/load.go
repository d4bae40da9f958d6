package config

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Options says where Load reads configuration from.
type Options struct {
	// File is the YAML file to read; "" means no file (defaults only). A
	// named file must exist.
	File string
	// LookupEnv is consulted for AGENTGOV_* overrides, AGENTGOV_OPERATOR_TOKEN
	// and ${VAR} references in the file; nil means an empty environment.
	// It is injected (typically os.LookupEnv) so tests and embedders
	// control exactly what is read.
	LookupEnv func(string) (string, bool)
	// Overrides maps dotted keys (see Keys) to values, e.g. from flags.
	// They are applied last and parsed like environment values.
	Overrides map[string]string
}

// Load builds a Config from defaults, the file, the environment and
// overrides, in increasing precedence, and validates the result.
//
// On failure it returns nil and either an error about reading the file
// (wrapping the os error) or an Errors holding every problem found, each a
// *FieldError locating the value that caused it.
//
// Environment values and overrides are used verbatim: ${VAR} expansion
// applies to string values in the file only.
func Load(opts Options) (*Config, error) {
	l := &loader{
		file:   opts.File,
		lookup: opts.LookupEnv,
		cfg:    Default(),
		prov:   map[string]origin{},
	}
	decoded := true
	if opts.File != "" {
		data, err := os.ReadFile(opts.File)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		decoded = l.decodeFile(data)
	}
	l.applyEnv()
	l.applyOverrides(opts.Overrides)
	if !decoded {
		// Without a parsed file the values are not the ones the operator
		// wrote, so validating them would only mislead.
		return nil, l.errs.asError()
	}
	for _, p := range l.cfg.problems() {
		fe := l.locate(p)
		// A value that failed to decode left an older one in place;
		// complaining about that one would be noise. Values set later by
		// the environment or an override are reported regardless.
		later := fe.Source == SourceOverride || strings.HasPrefix(fe.Source, sourceEnvPref)
		if !later && l.isFailed(fe.Field) {
			continue
		}
		if p.peer != "" && (l.isFailed(p.field) || l.isFailed(p.peer)) {
			continue
		}
		l.errs = append(l.errs, fe)
	}
	if err := l.errs.asError(); err != nil {
		return nil, err
	}
	return l.cfg, nil
}

func (l *loader) applyEnv() {
	if l.lookup == nil {
		return
	}
	for _, f := range fields {
		name := EnvVar(f.key)
		raw, ok := l.lookup(name)
		if !ok {
			continue
		}
		src := origin{source: sourceEnvPref + name}
		if problem := f.setText(l.cfg, raw); problem != "" {
			l.errs = append(l.errs, &FieldError{Field: f.key, Source: src.source, Problem: problem})
			l.failed = append(l.failed, f.key)
			continue
		}
		l.prov[f.key] = src
	}
	if secret, ok := l.lookup(OperatorTokenEnv); ok {
		path := fmt.Sprintf("%s[%d]", tokensKey, len(l.cfg.Auth.Tokens))
		l.cfg.Auth.Tokens = append(l.cfg.Auth.Tokens, Token{Name: OperatorTokenName, Secret: secret, Role: RoleAdmin})
		l.prov[path] = origin{source: sourceEnvPref + OperatorTokenEnv}
	}
}

func (l *loader) applyOverrides(overrides map[string]string) {
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		f, ok := lookupField(key)
		if !ok {
			l.errs = append(l.errs, &FieldError{Field: key, Source: SourceOverride, Problem: unknownOverride(key)})
			continue
		}
		if problem := f.setText(l.cfg, overrides[key]); problem != "" {
			l.errs = append(l.errs, &FieldError{Field: key, Source: SourceOverride, Problem: problem})
			l.failed = append(l.failed, key)
			continue
		}
		l.prov[key] = origin{source: SourceOverride}
	}
}

func unknownOverride(key string) string {
	all := Keys()
	if s := suggest(key, all); s != "" {
		return fmt.Sprintf("unknown key; did you mean %s?", s)
	}
	// Flags often carry only the last element ("addr" for server.addr).
	_, last := splitPath(key)
	for _, k := range all {
		if _, kl := splitPath(k); kl == last {
			return fmt.Sprintf("unknown key; did you mean %s?", k)
		}
	}
	return "unknown key; valid keys: " + strings.Join(all, ", ")
}

// isFailed reports whether path, one of its parents or one of its
// children could not be decoded.
func (l *loader) isFailed(path string) bool {
	for _, f := range l.failed {
		if f == path || f == "" || within(path, f) || within(f, path) {
			return true
		}
	}
	return false
}

// within reports whether path is strictly inside parent.
func within(path, parent string) bool {
	return strings.HasPrefix(path, parent+".") || strings.HasPrefix(path, parent+"[")
}

// locate attributes a validation problem to the source of its value.
// A cross-field problem is moved to its peer when only the peer was set,
// so an operator who lowered server.max_request_bytes is pointed at that
// line, not at an untouched default.
func (l *loader) locate(p problem) *FieldError {
	fieldName, msg := p.field, p.msg
	if _, set := l.prov[fieldName]; !set && p.peer != "" {
		if _, peerSet := l.prov[p.peer]; peerSet {
			fieldName, msg = p.peer, p.peerMsg
		}
	}
	fe := &FieldError{Field: fieldName, Problem: msg}
	for path := fieldName; ; path = parentPath(path) {
		if o, ok := l.prov[path]; ok {
			fe.Source, fe.File, fe.Line, fe.Column = o.source, o.file, o.line, o.col
			break
		}
		if path == "" {
			break
		}
	}
	return fe
}
