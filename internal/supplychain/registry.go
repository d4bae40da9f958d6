package supplychain

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
)

// Release is what a registry says about one version of a package.
type Release struct {
	// Version is the version the request resolved to (the newest when the
	// request named none).
	Version   string
	Published time.Time
}

// Registry looks up when a package version was published.
type Registry interface {
	// Release resolves version ("" for the newest) of a package.
	Release(ctx context.Context, eco Ecosystem, name, version string) (Release, error)
}

// ErrUnknownPackage reports a package or version the registry does not
// have: installing it would fail, or, worse, find a name an attacker has
// registered since.
var ErrUnknownPackage = errors.New("supplychain: the registry has no such package or version")

// maxMetadataBytes bounds one registry response. Documents of packages
// with thousands of versions are large; anything bigger is refused.
const maxMetadataBytes = 32 << 20

// DefaultRegistryURLs are the public registries.
var DefaultRegistryURLs = map[Ecosystem]string{
	NPM:      "https://registry.npmjs.org",
	PyPI:     "https://pypi.org",
	Go:       "https://proxy.golang.org",
	Cargo:    "https://crates.io",
	RubyGems: "https://rubygems.org",
}

// HTTPRegistry reads the public registries' JSON APIs (or mirrors that
// serve the same API at other base URLs).
type HTTPRegistry struct {
	// Base maps an ecosystem to its API base URL; missing ones use
	// DefaultRegistryURLs.
	Base map[Ecosystem]string
	// Client makes the requests; nil uses a TLS 1.3 client with a 10 s
	// timeout and no redirects off the registry's host.
	Client *http.Client
}

// NewHTTPClient is the client HTTPRegistry uses by default; configure,
// if set, adjusts its TLS configuration (for example to check SPKI pins).
func NewHTTPClient(configure func(*tls.Config)) *http.Client {
	tc := &tls.Config{MinVersion: tls.VersionTLS13}
	if configure != nil {
		configure(tc)
		tc.MinVersion = max(tc.MinVersion, tls.VersionTLS13)
	}
	tr := &http.Transport{TLSClientConfig: tc, Proxy: http.ProxyFromEnvironment,
		MaxResponseHeaderBytes: 64 << 10, ResponseHeaderTimeout: 10 * time.Second}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 || req.URL.Scheme != "https" || req.URL.Host != via[0].URL.Host {
				return errors.New("redirect refused")
			}
			return nil
		}}
}

// Release implements Registry.
func (r *HTTPRegistry) Release(ctx context.Context, eco Ecosystem, name, version string) (Release, error) {
	base := r.Base[eco]
	if base == "" {
		base = DefaultRegistryURLs[eco]
	}
	if base == "" {
		return Release{}, fmt.Errorf("supplychain: no registry for %s", eco)
	}
	base = strings.TrimSuffix(base, "/")
	switch eco {
	case NPM:
		return r.npm(ctx, base, name, version)
	case PyPI:
		return r.pypi(ctx, base, name, version)
	case Go:
		return r.goProxy(ctx, base, name, version)
	case Cargo:
		return r.crates(ctx, base, name, version)
	case RubyGems:
		return r.gems(ctx, base, name, version)
	}
	return Release{}, fmt.Errorf("supplychain: no registry for %s", eco)
}

func (r *HTTPRegistry) get(ctx context.Context, u string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "agentgov-supplychain")
	c := r.Client
	if c == nil {
		c = NewHTTPClient(nil)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("supplychain: registry lookup: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return ErrUnknownPackage
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("supplychain: registry answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return fmt.Errorf("supplychain: registry lookup: %w", err)
	}
	if len(body) > maxMetadataBytes {
		return fmt.Errorf("supplychain: registry document is larger than %d bytes", maxMetadataBytes)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("supplychain: registry document: %w", err)
	}
	return nil
}

func (r *HTTPRegistry) npm(ctx context.Context, base, name, version string) (Release, error) {
	var doc struct {
		DistTags map[string]string `json:"dist-tags"`
		Time     map[string]string `json:"time"`
	}
	if err := r.get(ctx, base+"/"+strings.Replace(url.PathEscape(name), "%40", "@", 1), &doc); err != nil {
		return Release{}, err
	}
	if version == "" || !exactSemver.MatchString(version) {
		tag := version
		if tag == "" {
			tag = "latest"
		}
		v, ok := doc.DistTags[tag]
		if !ok {
			// A range: the newest version is what a fresh install takes.
			v = doc.DistTags["latest"]
		}
		version = v
	}
	return parsedRelease(version, doc.Time[version])
}

func (r *HTTPRegistry) pypi(ctx context.Context, base, name, version string) (Release, error) {
	var doc struct {
		Info struct {
			Version string `json:"version"`
		} `json:"info"`
		URLs []struct {
			Upload string `json:"upload_time_iso_8601"`
		} `json:"urls"`
	}
	u := base + "/pypi/" + url.PathEscape(name)
	if version != "" {
		u += "/" + url.PathEscape(version)
	}
	if err := r.get(ctx, u+"/json", &doc); err != nil {
		return Release{}, err
	}
	if len(doc.URLs) == 0 {
		return Release{}, fmt.Errorf("supplychain: %s %s has no files", name, doc.Info.Version)
	}
	// The release's age is its oldest file's.
	oldest := ""
	for _, f := range doc.URLs {
		if oldest == "" || f.Upload < oldest {
			oldest = f.Upload
		}
	}
	return parsedRelease(doc.Info.Version, oldest)
}

func (r *HTTPRegistry) goProxy(ctx context.Context, base, name, version string) (Release, error) {
	esc, err := module.EscapePath(name)
	if err != nil {
		return Release{}, fmt.Errorf("supplychain: module path %q: %w", name, err)
	}
	u := base + "/" + esc + "/@latest"
	if version != "" && version != "latest" {
		ev, err := module.EscapeVersion(version)
		if err != nil {
			return Release{}, fmt.Errorf("supplychain: version %q: %w", version, err)
		}
		u = base + "/" + esc + "/@v/" + ev + ".info"
	}
	var info struct{ Version, Time string }
	if err := r.get(ctx, u, &info); err != nil {
		return Release{}, err
	}
	return parsedRelease(info.Version, info.Time)
}

func (r *HTTPRegistry) crates(ctx context.Context, base, name, version string) (Release, error) {
	version = strings.TrimPrefix(version, "=")
	if version == "" {
		var doc struct {
			Crate struct {
				Max string `json:"max_stable_version"`
			} `json:"crate"`
		}
		if err := r.get(ctx, base+"/api/v1/crates/"+url.PathEscape(name), &doc); err != nil {
			return Release{}, err
		}
		version = doc.Crate.Max
	}
	var doc struct {
		Version struct {
			Num     string `json:"num"`
			Created string `json:"created_at"`
		} `json:"version"`
	}
	if err := r.get(ctx, base+"/api/v1/crates/"+url.PathEscape(name)+"/"+url.PathEscape(version), &doc); err != nil {
		return Release{}, err
	}
	return parsedRelease(doc.Version.Num, doc.Version.Created)
}

func (r *HTTPRegistry) gems(ctx context.Context, base, name, version string) (Release, error) {
	if version == "" {
		var latest struct {
			Version string `json:"version"`
		}
		if err := r.get(ctx, base+"/api/v1/versions/"+url.PathEscape(name)+"/latest.json", &latest); err != nil {
			return Release{}, err
		}
		if latest.Version == "" || latest.Version == "unknown" {
			return Release{}, ErrUnknownPackage
		}
		version = latest.Version
	}
	var doc struct {
		Number  string `json:"number"`
		Created string `json:"created_at"`
	}
	if err := r.get(ctx, base+"/api/v2/rubygems/"+url.PathEscape(name)+"/versions/"+url.PathEscape(version)+".json", &doc); err != nil {
		return Release{}, err
	}
	return parsedRelease(doc.Number, doc.Created)
}

func parsedRelease(version, at string) (Release, error) {
	if version == "" || at == "" {
		return Release{}, ErrUnknownPackage
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return Release{}, fmt.Errorf("supplychain: publication time %q: %w", at, err)
	}
	return Release{Version: version, Published: t}, nil
}

// CachedRegistry remembers answers. A version's publication time never
// changes, so a resolved version is kept until evicted; what "newest"
// resolves to is kept for TTL only.
type CachedRegistry struct {
	R   Registry
	TTL time.Duration
	Max int
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	rel     Release
	expires time.Time // zero: never
}

// Release implements Registry. Errors are not cached: the next check
// asks again.
func (c *CachedRegistry) Release(ctx context.Context, eco Ecosystem, name, version string) (Release, error) {
	key := string(eco) + "\x00" + name + "\x00" + version
	now := c.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && (e.expires.IsZero() || now.Before(e.expires)) {
		return e.rel, nil
	}
	rel, err := c.R.Release(ctx, eco, name, version)
	if err != nil {
		return Release{}, err
	}
	e = cacheEntry{rel: rel}
	if version == "" || !exactSemver.MatchString(strings.TrimPrefix(version, "=")) {
		e.expires = now.Add(c.TTL)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cacheEntry{}
	}
	if len(c.entries) >= max(c.Max, 1) {
		for k := range c.entries { // evict an arbitrary entry
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = e
	return rel, nil
}
