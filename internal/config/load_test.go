package config

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"time"
)

const opsToken = "ops-0123456789abcdef0123456789abcdef"

func TestLoadFileErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		env  []string
		want []string
	}{
		{
			name: "unknown top-level key",
			src:  "servr:\n  addr: 127.0.0.1:1\n",
			want: []string{`FILE:1:1: servr: unknown section "servr"; did you mean "server"?`},
		},
		{
			name: "unknown top-level key without suggestion",
			src:  "metrics: {}\n",
			want: []string{`FILE:1:1: metrics: unknown section "metrics"; valid sections: agents, approvals, audit, auth, defaults, delegation, killswitch, log, outbound, roles, sagas, server, storage, supply_chain, tools, trust`},
		},
		{
			name: "unknown nested key",
			src:  "server:\n  tls:\n    certificate: /x\n",
			want: []string{`FILE:3:5: server.tls.certificate: unknown key "certificate"; valid keys here: cert, client_ca, key, require_client_cert, spiffe`},
		},
		{
			name: "unknown nested key with suggestion",
			src:  "storage:\n  data-dir: /x\n",
			want: []string{`FILE:2:3: storage.data-dir: unknown key "data-dir"; did you mean "data_dir"?`},
		},
		{
			name: "unknown token key",
			src:  "auth:\n  tokens:\n    - name: a\n      secret: x\n",
			want: []string{
				`FILE:3:7: auth.tokens[0].token: must be set: a secret of at least 32 bytes, best read from the environment with ${VAR}`,
				`FILE:3:7: auth.tokens[0].role: must not be empty: use one of ADMIN, AUDITOR, WRITER, READER`,
				`FILE:4:7: auth.tokens[0].secret: unknown key "secret"; valid keys here: name, token, role, agents`,
			},
		},
		{
			name: "dotted key",
			src:  "server.addr: 0.0.0.0:1\n",
			want: []string{`FILE:1:1: keys cannot contain '.', '[' or ']': write nested keys as nested mappings`},
		},
		{
			name: "string for integer",
			src:  "server:\n  max_request_bytes: \"1048576\"\n",
			want: []string{`FILE:2:22: server.max_request_bytes: expected an integer, got a string; numbers are written without quotes and without units (${VAR} is not expanded here: use AGENTGOV_SERVER_MAX_REQUEST_BYTES)`},
		},
		{
			name: "unit on integer",
			src:  "audit:\n  max_payload_bytes: 1MiB\n",
			want: []string{`FILE:2:22: audit.max_payload_bytes: expected an integer, got a string; numbers are written without quotes and without units (${VAR} is not expanded here: use AGENTGOV_AUDIT_MAX_PAYLOAD_BYTES)`},
		},
		{
			name: "hex integer",
			src:  "audit:\n  max_payload_bytes: 0x100\n",
			want: []string{`FILE:2:22: audit.max_payload_bytes: must be a decimal integer (digits only, no quotes, units, '_' or 0x/0o prefixes)`},
		},
		{
			name: "float integer",
			src:  "audit:\n  max_payload_bytes: 1.5\n",
			want: []string{`FILE:2:22: audit.max_payload_bytes: expected an integer, got a float`},
		},
		{
			name: "integer for string",
			src:  "storage:\n  data_dir: 42\n",
			want: []string{`FILE:2:13: storage.data_dir: expected a string, got an integer; quote the value if it is meant as text`},
		},
		{
			name: "null for string",
			src:  "storage:\n  dsn:\n",
			want: []string{`FILE:2:8: storage.dsn: missing value: write "" for an empty string, or remove the key to keep the default`},
		},
		{
			name: "string for bool",
			src:  "server:\n  tls:\n    require_client_cert: yes\n",
			want: []string{`FILE:3:26: server.tls.require_client_cert: expected true or false, got a string`},
		},
		{
			name: "mapping for scalar",
			src:  "log:\n  level: {x: 1}\n",
			want: []string{`FILE:2:10: log.level: expected a string, got a mapping; quote the value if it is meant as text`},
		},
		{
			name: "scalar for section",
			src:  "log: debug\n",
			want: []string{`FILE:1:6: log: expected a mapping of keys (format, level), got a string`},
		},
		{
			name: "scalar for tokens",
			src:  "auth:\n  tokens: ops\n",
			want: []string{`FILE:2:11: auth.tokens: expected a list of {name, token, role} entries, got a string`},
		},
		{
			name: "top level list",
			src:  "- server\n",
			want: []string{`FILE:1:1: the top level must be a mapping of sections (server, storage, audit, auth, log), got a list`},
		},
		{
			name: "duplicate key",
			src:  "server:\n  addr: 127.0.0.1:1\n  addr: 0.0.0.0:1\n",
			want: []string{`FILE:3:3: server.addr: duplicate key (first set on line 2)`},
		},
		{
			name: "duplicate section",
			src:  "log:\n  level: info\nlog:\n  level: debug\n",
			want: []string{`FILE:3:1: log: duplicate key (first set on line 1)`},
		},
		{
			name: "duplicate key in token",
			src:  "auth:\n  tokens:\n    - {name: a, role: ADMIN, role: READER, token: \"${OPS}\"}\n",
			env:  []string{"OPS", opsToken},
			want: []string{`FILE:3:30: auth.tokens[0].role: duplicate key (first set on line 3)`},
		},
		{
			name: "bare integer duration",
			src:  "server:\n  shutdown_timeout: 30\n",
			want: []string{`FILE:2:21: server.shutdown_timeout: a duration needs a unit: write e.g. "10s", "250ms" or "1m30s", not a bare number`},
		},
		{
			name: "bad duration string",
			src:  "audit:\n  checkpoint_interval: 10 seconds\n",
			want: []string{`FILE:2:24: audit.checkpoint_interval: not a duration: write a Go duration such as 10s, 1m30s or 250ms`},
		},
		{
			name: "duration out of range",
			src:  "audit:\n  checkpoint_interval: 25h\n",
			want: []string{`FILE:2:24: audit.checkpoint_interval: must be between 100ms and 24h, got 25h0m0s`},
		},
		{
			name: "bad role and short token",
			src:  "auth:\n  tokens:\n    - name: ops\n      token: too-short\n      role: root\n",
			want: []string{
				`FILE:4:14: auth.tokens[0].token: must be at least 32 bytes after ${VAR} expansion`,
				`FILE:5:13: auth.tokens[0].role: must be one of ADMIN, AUDITOR, WRITER, READER (upper case)`,
			},
		},
		{
			name: "token entry not a mapping",
			src:  "auth:\n  tokens:\n    - ops\n",
			want: []string{`FILE:3:7: auth.tokens[0]: expected a {name, token, role} mapping, got a string`},
		},
		{
			name: "validation error carries line",
			src:  "# comment\nserver:\n  addr: 0.0.0.0:8470\n",
			want: []string{`FILE:3:9: server.addr: plain HTTP is allowed only on loopback; configure server.tls.cert and server.tls.key`},
		},
		{
			name: "postgres",
			src:  "storage:\n  driver: postgres\n  dsn: postgres://u:pw@db/agentgov\n",
			want: []string{`FILE:2:11: storage.driver: postgres is not supported yet; use sqlite`},
		},
		{
			name: "cross-field blames the value that was set",
			src:  "server:\n  max_request_bytes: 4096\n",
			want: []string{`FILE:2:22: server.max_request_bytes: 4096 is less than audit.max_payload_bytes (1048576): a payload must fit in one request`},
		},
		{
			name: "cross-field both set",
			src:  "server:\n  max_request_bytes: 4096\naudit:\n  max_payload_bytes: 8192\n",
			want: []string{`FILE:4:22: audit.max_payload_bytes: 8192 exceeds server.max_request_bytes (4096): a payload must fit in one request`},
		},
		{
			name: "missing key falls back to its section",
			src:  "server:\n  tls:\n    key: /k.pem\n",
			want: []string{`FILE:3:10: server.tls.key: is set but server.tls.cert is empty: set both or neither`},
		},
		{
			name: "all problems sorted by line",
			src:  "log:\n  format: yaml\nserver:\n  addr: 10.0.0.1:80\n  shutdown_timeout: 5\nstorage:\n  driver: pg\n",
			want: []string{
				`FILE:2:11: log.format: must be json or text`,
				`FILE:4:9: server.addr: plain HTTP is allowed only on loopback; configure server.tls.cert and server.tls.key`,
				`FILE:5:21: server.shutdown_timeout: a duration needs a unit: write e.g. "10s", "250ms" or "1m30s", not a bare number`,
				`FILE:7:11: storage.driver: unknown driver; use sqlite`,
			},
		},
		{
			name: "multiple documents",
			src:  "server:\n  addr: 127.0.0.1:1\n---\nlog:\n  level: debug\n",
			want: []string{`FILE:3:1: multiple YAML documents (---) are not allowed: the config is a single document`},
		},
		{
			name: "trailing empty document",
			src:  "log:\n  level: debug\n---\n",
			want: []string{`FILE:3:1: multiple YAML documents (---) are not allowed: the config is a single document`},
		},
		{
			name: "syntax error",
			src:  "server:\n  addr: \"127.0.0.1:1\n",
			want: []string{`FILE:2:9: invalid YAML: could not find end character of double-quoted text`},
		},
		{
			name: "anchor",
			src:  "server:\n  addr: &a 127.0.0.1:1\n  diagnostic_addr: *a\n",
			want: []string{
				`FILE:2:9: server.addr: YAML anchors (&name) are not supported; write the value out in full`,
				`FILE:3:20: server.diagnostic_addr: YAML aliases (*name) are not supported; write the value out in full`,
			},
		},
		{
			name: "tag",
			src:  "storage:\n  data_dir: !!str 42\n",
			want: []string{`FILE:2:13: storage.data_dir: YAML tags (!tag) are not supported; quote the value if it is meant as text`},
		},
		{
			name: "merge key",
			src:  "log:\n  <<: {level: debug}\n",
			want: []string{`FILE:2:3: log: YAML merge keys (<<) are not supported; write the keys out in full`},
		},
		{
			name: "block scalar newline",
			src:  "storage:\n  data_dir: |\n    /var/lib/agentgov\n",
			want: []string{`FILE:2:13: storage.data_dir: contains a control character (e.g. a trailing newline)`},
		},
		{
			name: "leading zero",
			src:  "server:\n  max_request_bytes: 0100000\n",
			want: []string{`FILE:2:22: server.max_request_bytes: must be a decimal integer without leading zeros (YAML 1.1 reads 010 as octal)`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErr(t, Options{File: writeConfig(t, tc.src), LookupEnv: envOf(tc.env...)}, tc.want...)
		})
	}
}

func TestLoadEmptyFileIsDefaults(t *testing.T) {
	for _, src := range []string{"", "\n", "# nothing yet\n", "---\n", "~\n", "server:\nlog:\n", "%YAML 1.2\n---\n"} {
		got := mustLoad(t, Options{File: writeConfig(t, src)})
		if !reflect.DeepEqual(got, Default()) {
			t.Errorf("%q: got %+v, want defaults", src, got)
		}
	}
	got := mustLoad(t, Options{})
	if !reflect.DeepEqual(got, Default()) {
		t.Errorf("no file: got %+v, want defaults", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(Options{File: "/nonexistent/agentgov.yaml"})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "/nonexistent/agentgov.yaml") {
		t.Errorf("error does not name the file: %v", err)
	}
}

func TestLoadErrorsAs(t *testing.T) {
	path := writeConfig(t, "auth:\n  tokens:\n    - {name: ops, token: \"${OPS}\", role: admin}\n")
	_, err := Load(Options{File: path, LookupEnv: envOf("OPS", opsToken)})
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("errors.As(*FieldError) failed on %T", err)
	}
	want := FieldError{File: path, Line: 3, Column: 42, Field: "auth.tokens[0].role", Source: SourceFile,
		Problem: "must be one of ADMIN, AUDITOR, WRITER, READER (upper case)"}
	if *fe != want {
		t.Fatalf("got %+v\nwant %+v", *fe, want)
	}
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 {
		t.Fatalf("errors.As(Errors) = %v", es)
	}
}

func TestLoadValues(t *testing.T) {
	src := `
server:
  addr: "[::1]:9443"
  diagnostic_addr: 127.0.0.1:9090
  max_request_bytes: 2097152
  shutdown_timeout: 1m30s
  tls:
    cert: /etc/agentgov/tls.crt
    key: /etc/agentgov/tls.key
    client_ca: /etc/agentgov/ca.pem
    require_client_cert: true
storage:
  data_dir: /var/lib/agentgov
  driver: sqlite
  dsn: ""
audit:
  origin: example.com/agentgov
  checkpoint_interval: 500ms
  max_payload_bytes: 65536
auth:
  tokens:
    - name: ops
      token: ${OPS}
      role: ADMIN
    - {name: ci, token: "ci-${CI}", role: WRITER}
  trust_domain: prod.example.com
log:
  level: debug
  format: text
`
	got := mustLoad(t, Options{File: writeConfig(t, src), LookupEnv: envOf("OPS", opsToken, "CI", opsToken)})
	want := &Config{
		Server: Server{
			Addr: "[::1]:9443", DiagnosticAddr: "127.0.0.1:9090", MaxRequestBytes: 2 << 20,
			ShutdownTimeout: Duration{90 * time.Second},
			TLS:             TLS{Cert: "/etc/agentgov/tls.crt", Key: "/etc/agentgov/tls.key", ClientCA: "/etc/agentgov/ca.pem", RequireClientCert: true},
		},
		Storage: Storage{DataDir: "/var/lib/agentgov", Driver: "sqlite"},
		Audit:   Audit{Origin: "example.com/agentgov", CheckpointInterval: Duration{500 * time.Millisecond}, MaxPayloadBytes: 65536, Minimise: true},
		Auth: Auth{
			Tokens:      []Token{{Name: "ops", Secret: opsToken, Role: RoleAdmin}, {Name: "ci", Secret: "ci-" + opsToken, Role: RoleWriter}},
			TrustDomain: "prod.example.com",
			Handshake:   Default().Auth.Handshake,
			SPIFFE:      defaultSPIFFE(),
		},
		Log:         Log{Level: "debug", Format: "text"},
		Approvals:   defaultApprovals(),
		SupplyChain: defaultSupplyChain(),
		Trust:       defaultTrust(),
		Delegation:  defaultDelegation(),
		Sagas:       defaultSagas(),
		Killswitch:  defaultKillswitch(),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func TestPrecedence(t *testing.T) {
	path := writeConfig(t, "server:\n  addr: 127.0.0.1:1001\n  shutdown_timeout: 11s\nlog:\n  level: warn\n")
	env := envOf(
		"AGENTGOV_SERVER_ADDR", "127.0.0.1:2002",
		"AGENTGOV_SERVER_SHUTDOWN_TIMEOUT", "22s",
	)
	over := map[string]string{"server.addr": "127.0.0.1:3003"}

	c := mustLoad(t, Options{File: path})
	if c.Server.Addr != "127.0.0.1:1001" || c.Log.Level != "warn" || c.Log.Format != "json" {
		t.Errorf("file over defaults: %+v", c)
	}
	c = mustLoad(t, Options{File: path, LookupEnv: env})
	if c.Server.Addr != "127.0.0.1:2002" || c.Server.ShutdownTimeout.Duration != 22*time.Second || c.Log.Level != "warn" {
		t.Errorf("env over file: %+v", c)
	}
	c = mustLoad(t, Options{File: path, LookupEnv: env, Overrides: over})
	if c.Server.Addr != "127.0.0.1:3003" || c.Server.ShutdownTimeout.Duration != 22*time.Second {
		t.Errorf("override over env: %+v", c)
	}
	c = mustLoad(t, Options{Overrides: over})
	if c.Server.Addr != "127.0.0.1:3003" {
		t.Errorf("override over default: %+v", c)
	}
}

// TestEveryKeySettable sets each key through the environment and through
// an override, and checks the value lands in the matching field.
func TestEveryKeySettable(t *testing.T) {
	values := map[kind]string{kindString: "x", kindInt: "4096", kindBool: "1", kindDuration: "3s"}
	seen := map[string]bool{}
	for _, f := range fields {
		name := EnvVar(f.key)
		if seen[name] {
			t.Fatalf("two keys map to %s", name)
		}
		seen[name] = true
		fromEnv, fromOverride := Default(), Default()
		v := values[f.kind]
		if b, ok := f.ref(fromEnv).(*bool); ok && *b {
			v = "0"
		}
		l := &loader{cfg: fromEnv, prov: map[string]origin{}, lookup: envOf(name, v)}
		l.applyEnv()
		l2 := &loader{cfg: fromOverride, prov: map[string]origin{}}
		l2.applyOverrides(map[string]string{f.key: v})
		if len(l.errs)+len(l2.errs) != 0 {
			t.Fatalf("%s: %v %v", f.key, l.errs, l2.errs)
		}
		if reflect.DeepEqual(fromEnv, Default()) || !reflect.DeepEqual(fromEnv, fromOverride) {
			t.Errorf("%s: env and override disagree or change nothing", f.key)
		}
		if l.prov[f.key].source != "env:"+name || l2.prov[f.key].source != SourceOverride {
			t.Errorf("%s: provenance not recorded", f.key)
		}
	}
}

func TestEnvNames(t *testing.T) {
	for key, want := range map[string]string{
		"server.addr":               "AGENTGOV_SERVER_ADDR",
		"server.tls.cert":           "AGENTGOV_SERVER_TLS_CERT",
		"audit.checkpoint_interval": "AGENTGOV_AUDIT_CHECKPOINT_INTERVAL",
		"storage.data_dir":          "AGENTGOV_STORAGE_DATA_DIR",
	} {
		if got := EnvVar(key); got != want {
			t.Errorf("EnvVar(%q) = %q, want %q", key, got, want)
		}
	}
	keys := Keys()
	if len(keys) != len(fields) || !strings.HasPrefix(strings.Join(keys, ","), "approvals.approver_role,") {
		t.Errorf("Keys() = %v", keys)
	}
	keys[0] = "mutated"
	if Keys()[0] == "mutated" {
		t.Error("Keys() exposes shared state")
	}
}

func TestEnvErrors(t *testing.T) {
	cases := []struct {
		name string
		env  []string
		want []string
	}{
		{"int", []string{"AGENTGOV_SERVER_MAX_REQUEST_BYTES", "1MiB"},
			[]string{"AGENTGOV_SERVER_MAX_REQUEST_BYTES: must be a decimal integer (digits only, no quotes, units, '_' or 0x/0o prefixes)"}},
		{"bool", []string{"AGENTGOV_SERVER_TLS_REQUIRE_CLIENT_CERT", "yes"},
			[]string{"AGENTGOV_SERVER_TLS_REQUIRE_CLIENT_CERT: must be true, false, 1 or 0"}},
		{"duration", []string{"AGENTGOV_SERVER_SHUTDOWN_TIMEOUT", "30"},
			[]string{`AGENTGOV_SERVER_SHUTDOWN_TIMEOUT: a duration needs a unit: write e.g. "10s", "250ms" or "1m30s", not a bare number`}},
		{"validation", []string{"AGENTGOV_SERVER_ADDR", "0.0.0.0:8470"},
			[]string{"AGENTGOV_SERVER_ADDR: plain HTTP is allowed only on loopback; configure server.tls.cert and server.tls.key"}},
		{"range", []string{"AGENTGOV_AUDIT_CHECKPOINT_INTERVAL", "1ms"},
			[]string{"AGENTGOV_AUDIT_CHECKPOINT_INTERVAL: must be between 100ms and 24h, got 1ms"}},
		{"set but empty", []string{"AGENTGOV_STORAGE_DATA_DIR", ""},
			[]string{"AGENTGOV_STORAGE_DATA_DIR: must not be empty"}},
		{"several, sorted by variable", []string{"AGENTGOV_LOG_LEVEL", "loud", "AGENTGOV_SERVER_TLS_REQUIRE_CLIENT_CERT", "2"},
			[]string{"AGENTGOV_LOG_LEVEL: must be one of debug, info, warn, error", "AGENTGOV_SERVER_TLS_REQUIRE_CLIENT_CERT: must be true, false, 1 or 0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErr(t, Options{LookupEnv: envOf(tc.env...)}, tc.want...)
		})
	}

	_, err := Load(Options{LookupEnv: envOf("AGENTGOV_SERVER_ADDR", "nope")})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Source != "env:AGENTGOV_SERVER_ADDR" || fe.EnvVar() != "AGENTGOV_SERVER_ADDR" || fe.Field != "server.addr" {
		t.Fatalf("got %+v", fe)
	}
}

func TestEnvBeatsFileErrorLocation(t *testing.T) {
	// The file's value is fine; the environment replaces it with a bad one,
	// so the error must name the variable, not the line.
	path := writeConfig(t, "log:\n  level: info\n")
	expectErr(t, Options{File: path, LookupEnv: envOf("AGENTGOV_LOG_LEVEL", "verbose")},
		"AGENTGOV_LOG_LEVEL: must be one of debug, info, warn, error")
}

func TestOverrideErrors(t *testing.T) {
	expectErr(t, Options{Overrides: map[string]string{
		"server.addr":              "10.0.0.1:80",
		"addr":                     "127.0.0.1:1",
		"server.max_request_bytes": "big",
		"nonsense.thing":           "1",
	}},
		"override addr: unknown key; did you mean server.addr?",
		"override nonsense.thing: unknown key; valid keys: "+strings.Join(Keys(), ", "),
		"override server.max_request_bytes: must be a decimal integer (digits only, no quotes, units, '_' or 0x/0o prefixes)",
		"override server.addr: plain HTTP is allowed only on loopback; configure server.tls.cert and server.tls.key",
	)
}

func TestMixedSourcesOrder(t *testing.T) {
	path := writeConfig(t, "log:\n  format: xml\n")
	expectErr(t, Options{
		File:      path,
		LookupEnv: envOf("AGENTGOV_LOG_LEVEL", "x"),
		Overrides: map[string]string{"storage.driver": "postgres"},
	},
		"FILE:2:11: log.format: must be json or text",
		"AGENTGOV_LOG_LEVEL: must be one of debug, info, warn, error",
		"override storage.driver: postgres is not supported yet; use sqlite",
	)
}

func TestExpansion(t *testing.T) {
	env := envOf("DIR", "/srv/agentgov", "OPS", opsToken, "EMPTY", "", "INTERVAL", "250ms", "YAML", "x: [1, 2]")
	c := mustLoad(t, Options{File: writeConfig(t, `
storage:
  data_dir: ${DIR}/data
  dsn: ""
audit:
  origin: lit-$${DIR}-$$-$x-${DIR}
  checkpoint_interval: ${INTERVAL}
auth:
  tokens:
    - {name: ops, token: "${OPS}", role: ADMIN}
log:
  level: info
`), LookupEnv: env})
	if c.Storage.DataDir != "/srv/agentgov/data" {
		t.Errorf("data_dir = %q", c.Storage.DataDir)
	}
	if c.Audit.Origin != "lit-${DIR}-$$-$x-/srv/agentgov" {
		t.Errorf("origin = %q", c.Audit.Origin)
	}
	if c.Audit.CheckpointInterval.Duration != 250*time.Millisecond {
		t.Errorf("checkpoint_interval = %v", c.Audit.CheckpointInterval)
	}
	if c.Auth.Tokens[0].Secret != opsToken {
		t.Errorf("token not expanded")
	}

	// The variable's value is data, never YAML.
	c = mustLoad(t, Options{File: writeConfig(t, "storage:\n  data_dir: ${YAML}\n"), LookupEnv: env})
	if c.Storage.DataDir != "x: [1, 2]" {
		t.Errorf("data_dir = %q", c.Storage.DataDir)
	}

	// Environment values are used verbatim.
	c = mustLoad(t, Options{LookupEnv: envOf("AGENTGOV_STORAGE_DATA_DIR", "${DIR}", "DIR", "/x")})
	if c.Storage.DataDir != "${DIR}" {
		t.Errorf("env value was expanded: %q", c.Storage.DataDir)
	}

	cases := []struct{ name, src, want string }{
		{"unset", "storage:\n  data_dir: ${NOPE}/x\n", "FILE:2:13: storage.data_dir: environment variable NOPE is not set"},
		{"empty", "storage:\n  data_dir: ${EMPTY}\n", "FILE:2:13: storage.data_dir: environment variable EMPTY is empty"},
		{"unterminated", "storage:\n  data_dir: /x/${DIR\n", "FILE:2:13: storage.data_dir: unterminated ${ at byte 3: write ${NAME}, or $${ for a literal ${"},
		{"bad name", "storage:\n  data_dir: ${1DIR}\n", "FILE:2:13: storage.data_dir: invalid variable reference at byte 0: write ${NAME} with NAME matching [A-Za-z_][A-Za-z0-9_]*, or $${ for a literal ${"},
		{"default syntax unsupported", "storage:\n  data_dir: ${DIR:-/x}\n", "FILE:2:13: storage.data_dir: invalid variable reference at byte 0: write ${NAME} with NAME matching [A-Za-z_][A-Za-z0-9_]*, or $${ for a literal ${"},
		{"in token", "auth:\n  tokens:\n    - name: ops\n      token: ${OPS_TOKEN}\n      role: ADMIN\n", "FILE:4:14: auth.tokens[0].token: environment variable OPS_TOKEN is not set"},
		{"in duration", "audit:\n  checkpoint_interval: ${NOPE}\n", "FILE:2:24: audit.checkpoint_interval: environment variable NOPE is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErr(t, Options{File: writeConfig(t, tc.src), LookupEnv: env}, tc.want)
		})
	}
	// Without a lookup function every variable is unset.
	expectErr(t, Options{File: writeConfig(t, "storage:\n  data_dir: ${DIR}\n")},
		"FILE:2:13: storage.data_dir: environment variable DIR is not set")
}

func TestOperatorToken(t *testing.T) {
	c := mustLoad(t, Options{LookupEnv: envOf(OperatorTokenEnv, opsToken)})
	want := []Token{{Name: "operator", Secret: opsToken, Role: RoleAdmin}}
	if !reflect.DeepEqual(c.Auth.Tokens, want) {
		t.Fatalf("tokens = %v", c.Auth.Tokens)
	}

	path := writeConfig(t, "auth:\n  tokens:\n    - {name: ci, token: \"${CI}\", role: WRITER}\n")
	c = mustLoad(t, Options{File: path, LookupEnv: envOf(OperatorTokenEnv, opsToken, "CI", "ci-"+opsToken)})
	if len(c.Auth.Tokens) != 2 || c.Auth.Tokens[0].Name != "ci" || c.Auth.Tokens[1].Name != "operator" {
		t.Fatalf("tokens = %v", c.Auth.Tokens)
	}

	expectErr(t, Options{LookupEnv: envOf(OperatorTokenEnv, "short")},
		"AGENTGOV_OPERATOR_TOKEN: must be at least 32 bytes after ${VAR} expansion")
	expectErr(t, Options{LookupEnv: envOf(OperatorTokenEnv, "")},
		"AGENTGOV_OPERATOR_TOKEN: must be set: a secret of at least 32 bytes, best read from the environment with ${VAR}")

	dupName := writeConfig(t, "auth:\n  tokens:\n    - {name: operator, token: \"${CI}\", role: READER}\n")
	expectErr(t, Options{File: dupName, LookupEnv: envOf(OperatorTokenEnv, opsToken, "CI", "ci-"+opsToken)},
		"AGENTGOV_OPERATOR_TOKEN: duplicate name: auth.tokens[0] already uses it")
	dupValue := writeConfig(t, "auth:\n  tokens:\n    - {name: ci, token: \"${CI}\", role: READER}\n")
	expectErr(t, Options{File: dupValue, LookupEnv: envOf(OperatorTokenEnv, opsToken, "CI", opsToken)},
		"AGENTGOV_OPERATOR_TOKEN: has the same value as auth.tokens[0].token: every token must be unique")
}

// TestSecretsNeverInErrors drives secrets through every error path that
// handles them and checks that no message repeats them.
func TestSecretsNeverInErrors(t *testing.T) {
	const secret = "S3CRET-VALUE-do-not-print-0123456789"
	env := envOf("SEC", secret, OperatorTokenEnv, secret+" with space", "AGENTGOV_LOG_FORMAT", secret, "AGENTGOV_STORAGE_DSN", secret)
	src := `
server:
  addr: ${SEC}
  diagnostic_addr: "${SEC}:1"
storage:
  data_dir: ${SEC}
  driver: ${SEC}
audit:
  origin: "${SEC} +"
  checkpoint_interval: ${SEC}
auth:
  trust_domain: ${SEC}
  tokens:
    - {name: "${SEC}", token: "${SEC}", role: "${SEC}"}
    - {name: b, token: "${SEC}", role: READER}
    - {name: c, token: "short${SEC", role: READER}
log:
  level: ${SEC}
`
	_, err := Load(Options{File: writeConfig(t, src), LookupEnv: env, Overrides: map[string]string{"server.tls.cert": secret}})
	if err == nil {
		t.Fatal("want errors")
	}
	if strings.Contains(err.Error(), "S3CRET") || strings.Contains(err.Error(), "do-not-print") {
		t.Fatalf("secret leaked:\n%v", err)
	}
	if n := len(strings.Split(err.Error(), "\n")); n < 10 {
		t.Fatalf("expected many problems, got %d:\n%v", n, err)
	}
}

func TestOperatorTokenCheckedWhenFileTokensBroken(t *testing.T) {
	expectErr(t, Options{File: writeConfig(t, "auth:\n  tokens: ops\n"), LookupEnv: envOf(OperatorTokenEnv, "short")},
		"FILE:2:11: auth.tokens: expected a list of {name, token, role} entries, got a string",
		"AGENTGOV_OPERATOR_TOKEN: must be at least 32 bytes after ${VAR} expansion")
}

func TestDecodeFailureSuppressesStaleValidation(t *testing.T) {
	// max_request_bytes fails to decode, so the default stays; the
	// payload check against it must not add a second, misleading error.
	expectErr(t, Options{File: writeConfig(t, "server:\n  max_request_bytes: 1k\naudit:\n  max_payload_bytes: 2000000\n")},
		"FILE:2:22: server.max_request_bytes: expected an integer, got a string; numbers are written without quotes and without units (${VAR} is not expanded here: use AGENTGOV_SERVER_MAX_REQUEST_BYTES)")
	// A bad environment value was meant to replace the file's value, so
	// only the variable is reported.
	expectErr(t, Options{File: writeConfig(t, "server:\n  max_request_bytes: 10\n"), LookupEnv: envOf("AGENTGOV_SERVER_MAX_REQUEST_BYTES", "abc")},
		"AGENTGOV_SERVER_MAX_REQUEST_BYTES: must be a decimal integer (digits only, no quotes, units, '_' or 0x/0o prefixes)")
	// A string from the environment cannot fail to parse; its validation
	// error names the variable.
	expectErr(t, Options{File: writeConfig(t, "log:\n  level: loud\n"), LookupEnv: envOf("AGENTGOV_LOG_LEVEL", "info\n")},
		"AGENTGOV_LOG_LEVEL: contains a control character (e.g. a trailing newline)")
}
