// Package fetch is the one HTTPS client for everything an ACS manifest
// points at: URL `extends` entries and top-level URL manifests (ACS §2.2,
// §2.3), rego `bundle_url` (§12.1), annotator `system_prompt_url` (§10) and
// the POST of the `endpoint` annotator (package acs/annotate).
//
// Every rule fails closed:
//
//   - HTTPS only; URLs with user-info or a fragment are refused; TLS 1.2 or
//     newer with certificate verification always on (Go negotiates TLS 1.3
//     whenever the server offers it).
//   - No ambient credentials: no cookie jar, no proxy from the environment,
//     no netrc (net/http never reads one), no Authorization header unless a
//     Post caller passes one explicitly, no Referer on redirects.
//   - Bounded body size (read through a limit, Content-Length is not
//     trusted), bounded total time (connect, TLS, every redirect hop and the
//     body read share one deadline) and a bounded redirect count.
//   - Redirects are followed by this package, never by net/http, and every
//     hop is re-validated with the same rules as the first URL.
//   - Hosts that are IP literals in loopback, link-local, unspecified
//     ("this network", 0.0.0.0/8) or broadcast space are refused, after
//     IPv4-mapped/-compatible/-translated IPv6 literals are reduced to their
//     embedded IPv4 address; numeric hosts that are not canonical
//     dotted-decimal (2130706433, 0x7f.1, 0177.0.0.1, 127.1, "127.0.0.1.")
//     are refused outright because some resolvers turn them into addresses.
//     RFC 1918 addresses stay allowed (§2.2).
//   - Content pins (sha256 hex or integrity "sha256-<base64>") are checked
//     for form before any request and verified over the received bytes.
//
// DNS names are resolved through an injectable Resolver and dialled by IP
// through an injectable Dialer. Resolved addresses are deliberately not
// checked against the literal ban: ACS §2.2 states that the guard "applies
// to IP literals only" and that "a host name that resolves into a blocked
// range and DNS rebinding are not revalidated by the runtime and remain host
// network responsibilities". Checking resolved addresses would also give a
// false sense of safety (rebinding between check and connect), and a host
// that wants it can inject a Resolver or Dialer that enforces its own
// network policy.
package fetch
