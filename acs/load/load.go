// Package load reads ACS manifests from files and HTTPS URLs, resolves
// their extends chains (§2.2, §2.3) and returns the merged acs.Document
// that acs.New compiles.
//
// The loader fails closed on everything the specification lists: include
// cycles, missing files, paths that leave the top-level manifest's
// directory tree (after symlinks are resolved), non-HTTPS URLs, pin
// mismatches, conflicting duplicate definitions, versions that differ
// between parent and child, and breached limits. URL-sourced manifests may
// not name filesystem paths or host environment secrets, and may use a rego
// bundle_url only when the whole load chain is pinned.
//
// File access goes through an injectable FS and HTTPS through an injectable
// Fetcher (package acs/fetch provides the real one), so that the loader is
// testable without a disk or a network.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/fetch"
	"github.com/agentgov/agentgov/acs/internal/jsonv"
	"github.com/agentgov/agentgov/acs/internal/pin"
)

// Fetcher retrieves one HTTPS resource and verifies it against pin (a pin
// with neither SHA256 nor Integrity set accepts any body). Implementations
// enforce HTTPS only, no ambient credentials, and bounded size, time and
// redirects; a body over the size limit is reported with an error that
// wraps fetch.ErrTooLarge or is an *acs.Error with
// ReasonResourceLimitExceeded. *fetch.Client (package acs/fetch)
// implements Fetcher.
type Fetcher interface {
	Fetch(ctx context.Context, rawURL string, pin acs.URLPin) ([]byte, error)
}

// FS is the file system manifests are read from.
type FS interface {
	// Open opens the named file for reading.
	Open(name string) (io.ReadCloser, error)
	// EvalSymlinks returns the absolute form of name with every symbolic
	// link resolved; it fails if name does not exist.
	EvalSymlinks(name string) (string, error)
}

// OSFS is the operating system's file system.
type OSFS struct{}

// Open opens name with os.Open.
func (OSFS) Open(name string) (io.ReadCloser, error) { return os.Open(name) }

// EvalSymlinks makes name absolute and resolves its symbolic links.
func (OSFS) EvalSymlinks(name string) (string, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// Options configure a load.
type Options struct {
	// Limits bound the load (max_extends_depth, max_merged_manifest_bytes,
	// max_manifest_url_bytes, and max_policy_input_depth for parse
	// nesting). The zero value means acs.DefaultLimits().
	Limits acs.Limits
	// FS is where files are read; nil is OSFS.
	FS FS
	// Fetcher retrieves HTTPS manifests; nil makes every URL reference
	// fail closed. It is also handed to engines through acs.Source.Fetch
	// (rego bundle_url, annotator system_prompt_url).
	Fetcher Fetcher
}

func (o Options) limits() acs.Limits {
	if o.Limits == (acs.Limits{}) {
		return acs.DefaultLimits()
	}
	return o.Limits
}

// File loads the manifest at path and everything it extends. Relative
// extends resolve against the including manifest's directory and must stay
// inside the directory of the top-level manifest. Errors are *acs.Error:
// ReasonResourceLimitExceeded for a breached limit, ReasonManifestInvalid
// otherwise.
func File(ctx context.Context, path string, o Options) (*acs.Document, error) {
	l := newLoader(ctx, o)
	canon, err := l.fs.EvalSymlinks(path)
	if err != nil {
		return nil, invalid("failed to resolve manifest file %q: %v", path, err)
	}
	l.root = filepath.Dir(canon)
	m, err := l.load(location{path: canon}, nil)
	if err != nil {
		return nil, err
	}
	return l.document(m, location{path: canon})
}

// URL loads a top-level manifest over HTTPS (§2.3), with an optional sha256
// pin (64 hexadecimal digits; "" for none), and everything it extends:
// relative extends become sibling URLs. A URL-sourced manifest may not
// carry filesystem paths or environment-secret fields at all.
func URL(ctx context.Context, rawURL, sha256 string, o Options) (*acs.Document, error) {
	if err := pin.CheckHTTPSURL(rawURL); err != nil {
		return nil, invalid("%v", err)
	}
	p := acs.URLPin{URL: rawURL}
	if sha256 != "" {
		if _, err := pin.SHA256(sha256); err != nil {
			return nil, invalid("%v", err)
		}
		p.SHA256 = strings.ToLower(sha256)
	}
	l := newLoader(ctx, o)
	loc := location{url: rawURL}
	body, err := l.fetch(p)
	if err != nil {
		return nil, err
	}
	m, err := l.load(loc, body)
	if err != nil {
		return nil, err
	}
	return l.document(m, loc)
}

func invalid(format string, args ...any) *acs.Error {
	return &acs.Error{Reason: acs.ReasonManifestInvalid, Message: fmt.Sprintf(format, args...)}
}

func limitErr(format string, args ...any) *acs.Error {
	return &acs.Error{Reason: acs.ReasonResourceLimitExceeded, Message: fmt.Sprintf(format, args...)}
}

// location is one manifest: a canonical file path or a URL.
type location struct {
	path string
	url  string
}

func (l location) key() string {
	if l.url != "" {
		return "url:" + l.url
	}
	return "file:" + l.path
}

// label names the location in messages, without a URL's query (which may
// carry tokens).
func (l location) label() string {
	if l.url == "" {
		return l.path
	}
	u, err := url.Parse(l.url)
	if err != nil {
		return "<invalid URL>"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

func (l location) isJSON() bool {
	p := l.path
	if l.url != "" {
		if u, err := url.Parse(l.url); err == nil {
			p = u.Path
		}
	}
	return strings.EqualFold(filepath.Ext(p), ".json")
}

type loader struct {
	ctx   context.Context
	fs    FS
	fetch func(acs.URLPin) ([]byte, error)
	o     Options
	lim   acs.Limits
	root  string // directory tree file extends must stay in
	stack []location
	// bodies caches fetched URLs, so a manifest reached twice is fetched
	// once.
	bodies map[string][]byte
	// pinned stays true while every URL load carries a verified pin.
	pinned bool
	// bundleURLs lists rego bundle_url members of URL-sourced manifests;
	// they are allowed only if the chain ends up fully pinned (§2.3).
	bundleURLs []string
}

func newLoader(ctx context.Context, o Options) *loader {
	l := &loader{ctx: ctx, fs: o.FS, o: o, lim: o.limits(), bodies: map[string][]byte{}, pinned: true}
	if l.fs == nil {
		l.fs = OSFS{}
	}
	l.fetch = l.fetchURL
	return l
}

// document turns the merged top-level manifest into an acs.Document.
func (l *loader) document(m *manifest, top location) (*acs.Document, error) {
	if len(l.bundleURLs) > 0 && !l.pinned {
		return nil, invalid("%s: a URL-sourced manifest may declare a rego bundle_url only when the whole load chain is pinned (sha256 or integrity on the top-level URL and on every URL extends)", l.bundleURLs[0])
	}
	if err := m.checkSecretOverlays(); err != nil {
		return nil, err
	}
	doc := &acs.Document{
		Doc: m.doc, Name: top.label(),
		Policies: m.policies, Annotators: m.annotators, Origins: m.origins,
		FromURL: top.url != "", Pinned: l.pinned,
	}
	if l.o.Fetcher != nil {
		f := l.o.Fetcher
		fetch := func(ctx context.Context, p acs.URLPin) ([]byte, error) {
			body, err := f.Fetch(ctx, p.URL, p)
			if err != nil {
				return nil, err
			}
			if err := pin.Verify(body, p.SHA256, p.Integrity); err != nil {
				return nil, fmt.Errorf("%s: %w", location{url: p.URL}.label(), err)
			}
			return body, nil
		}
		for _, srcs := range []map[string]acs.Source{doc.Policies, doc.Annotators} {
			for k, s := range srcs {
				s.Fetch = fetch
				srcs[k] = s
			}
		}
	}
	return doc, nil
}

// fetchURL fetches a URL manifest through the Fetcher, bounded and
// pin-checked here as well, so that a lax Fetcher cannot weaken the loader.
func (l *loader) fetchURL(p acs.URLPin) ([]byte, error) {
	if p.SHA256 == "" && p.Integrity == "" {
		l.pinned = false
	}
	loc := location{url: p.URL}
	body, ok := l.bodies[p.URL]
	if !ok {
		if l.o.Fetcher == nil {
			return nil, invalid("%s: fetching manifests over HTTPS is not enabled", loc.label())
		}
		var err error
		body, err = l.o.Fetcher.Fetch(l.ctx, p.URL, p)
		if err != nil {
			var ae *acs.Error
			switch {
			case errors.As(err, &ae):
				return nil, &acs.Error{Reason: ae.Reason, Message: fmt.Sprintf("%s: %s", loc.label(), ae.Message), Err: err}
			case errors.Is(err, fetch.ErrTooLarge):
				return nil, &acs.Error{Reason: acs.ReasonResourceLimitExceeded, Message: fmt.Sprintf("%s: body is more than max_manifest_url_bytes %d", loc.label(), l.lim.MaxManifestURLBytes), Err: err}
			}
			return nil, &acs.Error{Reason: acs.ReasonManifestInvalid, Message: fmt.Sprintf("failed to fetch extends URL %s: %v", loc.label(), err), Err: err}
		}
		l.bodies[p.URL] = body
	}
	if int64(len(body)) > l.lim.MaxManifestURLBytes {
		return nil, limitErr("%s: body is %d bytes, more than max_manifest_url_bytes %d", loc.label(), len(body), l.lim.MaxManifestURLBytes)
	}
	if err := pin.Verify(body, p.SHA256, p.Integrity); err != nil {
		return nil, invalid("%s: %v", loc.label(), err)
	}
	return body, nil
}

// readFile reads a manifest file, bounded by max_merged_manifest_bytes.
func (l *loader) readFile(loc location) ([]byte, error) {
	f, err := l.fs.Open(loc.path)
	if err != nil {
		return nil, invalid("failed to read manifest file %s: %v", loc.label(), err)
	}
	defer f.Close()
	max := l.lim.MaxMergedManifestBytes
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, invalid("failed to read manifest file %s: %v", loc.label(), err)
	}
	if int64(len(data)) > max {
		return nil, limitErr("%s is more than max_merged_manifest_bytes %d", loc.label(), max)
	}
	return data, nil
}

// load reads the manifest at loc (body already fetched for a URL), loads
// and merges its parents in order, then merges it last (§2.2).
func (l *loader) load(loc location, body []byte) (*manifest, error) {
	if len(l.stack)+1 > l.lim.MaxExtendsDepth {
		return nil, limitErr("manifest extends depth exceeds max_extends_depth %d at %s", l.lim.MaxExtendsDepth, loc.label())
	}
	for i, s := range l.stack {
		if s.key() == loc.key() {
			chain := make([]string, 0, len(l.stack)-i+1)
			for _, c := range l.stack[i:] {
				chain = append(chain, c.label())
			}
			chain = append(chain, loc.label())
			return nil, invalid("manifest extends cycle detected: %s", strings.Join(chain, " -> "))
		}
	}
	if err := l.ctx.Err(); err != nil {
		return nil, invalid("loading %s: %v", loc.label(), err)
	}
	if body == nil {
		var err error
		if body, err = l.readFile(loc); err != nil {
			return nil, err
		}
	}
	doc, err := l.parse(loc, body)
	if err != nil {
		return nil, err
	}
	entries, err := extendsEntries(doc, loc)
	if err != nil {
		return nil, err
	}
	self := newManifest(doc, loc)
	if loc.url != "" {
		if err := l.checkURLSourced(self, loc.label()); err != nil {
			return nil, err
		}
	} else {
		self.absolutizeBindings(filepath.Dir(loc.path))
	}

	l.stack = append(l.stack, loc)
	var merged *manifest
	for _, e := range entries {
		child, body, err := l.resolve(loc, e)
		if err != nil {
			return nil, err
		}
		m, err := l.load(child, body)
		if err != nil {
			return nil, err
		}
		if merged, err = mergeManifests(merged, m, child.label()); err != nil {
			return nil, err
		}
		if err := l.checkSize(merged); err != nil {
			return nil, err
		}
	}
	l.stack = l.stack[:len(l.stack)-1]
	delete(self.doc, "extends")
	if merged, err = mergeManifests(merged, self, loc.label()); err != nil {
		return nil, err
	}
	return merged, l.checkSize(merged)
}

func (l *loader) parse(loc location, body []byte) (map[string]any, error) {
	v, err := jsonv.Parse(body, loc.isJSON(), jsonv.Limits{
		MaxBytes: l.lim.MaxMergedManifestBytes,
		MaxDepth: l.lim.MaxPolicyInputDepth,
		MaxNodes: jsonv.DefaultMaxNodes,
	})
	if err != nil {
		var le *jsonv.LimitError
		if errors.As(err, &le) {
			return nil, &acs.Error{Reason: acs.ReasonResourceLimitExceeded, Message: fmt.Sprintf("%s: %v", loc.label(), err), Err: err}
		}
		return nil, &acs.Error{Reason: acs.ReasonManifestInvalid, Message: fmt.Sprintf("failed to parse manifest %s: %v", loc.label(), err), Err: err}
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("%s: a manifest must be a mapping (object), got %s", loc.label(), jsonv.Kind(v))
	}
	ver, ok := doc["agent_control_specification_version"].(string)
	if !ok || strings.TrimSpace(ver) == "" {
		return nil, invalid("%s: agent_control_specification_version is required and must be a non-empty string", loc.label())
	}
	return doc, nil
}

func (l *loader) checkSize(m *manifest) error {
	size, _, err := measure(m.doc, l.lim.MaxMergedManifestBytes)
	if err != nil {
		return invalid("merged manifest: %v", err)
	}
	if size > l.lim.MaxMergedManifestBytes {
		return limitErr("merged manifest is more than max_merged_manifest_bytes %d", l.lim.MaxMergedManifestBytes)
	}
	return nil
}

// extendsEntry is one parsed extends reference.
type extendsEntry struct {
	ref       string // path or URL as written
	isURL     bool
	sha256    string
	integrity string
}

// extendsEntries checks the extends member's shape (§2.2).
func extendsEntries(doc map[string]any, loc location) ([]extendsEntry, error) {
	raw, ok := doc["extends"]
	if !ok || raw == nil {
		return nil, nil
	}
	arr, ok := raw.([]any)
	if !ok {
		return nil, invalid("%s: extends must be an array, got %s", loc.label(), jsonv.Kind(raw))
	}
	out := make([]extendsEntry, 0, len(arr))
	for i, e := range arr {
		at := fmt.Sprintf("%s: extends[%d]", loc.label(), i)
		switch x := e.(type) {
		case string:
			if strings.TrimSpace(x) == "" {
				return nil, invalid("%s must not be empty", at)
			}
			ent := extendsEntry{ref: x}
			if pin.HasScheme(x) {
				if err := pin.CheckHTTPSURL(strings.TrimSpace(x)); err != nil {
					return nil, invalid("%s: %v", at, err)
				}
				ent.ref, ent.isURL = strings.TrimSpace(x), true
			}
			out = append(out, ent)
		case map[string]any:
			ent := extendsEntry{isURL: true}
			for k, v := range x {
				s, isStr := v.(string)
				switch k {
				case "url":
					ent.ref = s
				case "sha256":
					ent.sha256 = s
				case "integrity":
					ent.integrity = s
				default:
					return nil, invalid("%s: unknown member %q (allowed: url, integrity, sha256)", at, k)
				}
				if !isStr {
					return nil, invalid("%s.%s must be a string, got %s", at, k, jsonv.Kind(v))
				}
			}
			if strings.TrimSpace(ent.ref) == "" {
				return nil, invalid("%s: url is required and must not be empty", at)
			}
			if err := pin.CheckHTTPSURL(ent.ref); err != nil {
				return nil, invalid("%s: %v", at, err)
			}
			if _, has := x["sha256"]; has {
				if _, hasI := x["integrity"]; hasI {
					return nil, invalid("%s must not carry both integrity and sha256", at)
				}
				if _, err := pin.SHA256(ent.sha256); err != nil {
					return nil, invalid("%s: %v", at, err)
				}
				ent.sha256 = strings.ToLower(ent.sha256)
			}
			if _, has := x["integrity"]; has {
				if _, err := pin.Integrity(ent.integrity); err != nil {
					return nil, invalid("%s: %v", at, err)
				}
			}
			out = append(out, ent)
		default:
			return nil, invalid("%s must be a path, an HTTPS URL or {url, integrity|sha256}, got %s", at, jsonv.Kind(e))
		}
	}
	return out, nil
}

// resolve turns an extends entry of the manifest at parent into the
// location to load (and, for a URL, its fetched body).
func (l *loader) resolve(parent location, e extendsEntry) (location, []byte, error) {
	if !e.isURL && parent.url == "" {
		return l.resolvePath(parent, e.ref)
	}
	ref := e.ref
	if !e.isURL {
		// Under a URL-sourced manifest a reference is relative to its URL:
		// a sibling URL, never a local file (§2.3).
		base, err := url.Parse(parent.url)
		if err != nil {
			return location{}, nil, invalid("%s: %v", parent.label(), err)
		}
		r, err := url.Parse(ref)
		if err != nil {
			return location{}, nil, invalid("%s: extends entry %q is not a valid URL reference: %v", parent.label(), ref, err)
		}
		ref = base.ResolveReference(r).String()
		if err := pin.CheckHTTPSURL(ref); err != nil {
			return location{}, nil, invalid("%s: extends entry %q: %v", parent.label(), e.ref, err)
		}
	}
	body, err := l.fetch(acs.URLPin{URL: ref, SHA256: e.sha256, Integrity: e.integrity})
	if err != nil {
		return location{}, nil, err
	}
	return location{url: ref}, body, nil
}

// resolvePath resolves a file extends entry against the including
// manifest's directory and confines it to the top-level manifest's tree,
// after resolving symlinks so that a link cannot lead outside (§2.2).
func (l *loader) resolvePath(parent location, ref string) (location, []byte, error) {
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(parent.path), p)
	}
	canon, err := l.fs.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return location{}, nil, invalid("failed to resolve extends file %q from %s: file does not exist", ref, parent.label())
		}
		return location{}, nil, invalid("failed to resolve extends file %q from %s: %v", ref, parent.label(), err)
	}
	rel, err := filepath.Rel(l.root, canon)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return location{}, nil, invalid("extends entry %q in %s resolves outside manifest root %s: %s", ref, parent.label(), l.root, canon)
	}
	return location{path: canon}, nil, nil
}
