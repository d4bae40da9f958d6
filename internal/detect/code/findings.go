package code

// The finding vocabulary. A finding's severity depends on the evidence
// (a constant path versus one from a request, a download piped into a
// shell versus a download to a file), so the same type can be reported at
// different severities; the comments give the usual one.
const (
	// CommandInjection: a shell command or interpreter invocation built
	// from non-constant text (os.system(f"…{x}"), exec.Command("sh", "-c",
	// s), child_process.exec(`…${x}`), sh -c "$VAR", SQL xp_cmdshell, COPY
	// … PROGRAM). High; critical for SQL-level command execution.
	CommandInjection = "COMMAND_INJECTION"
	// DynamicEval: evaluation of code that is not a literal (eval, exec,
	// new Function, vm.run*, compile, server-side template from input,
	// decoding piped into a shell, plugin loading). High; critical when
	// the code is decoded from base64 or similar.
	DynamicEval = "DYNAMIC_EVAL"
	// UnsafeDeserialization: deserialisers that can run code (pickle,
	// marshal, dill, shelve, yaml.load without a safe loader, torch.load
	// without weights_only, node-serialize). High.
	UnsafeDeserialization = "UNSAFE_DESERIALIZATION"
	// SQLStringConcat: SQL built by concatenation, formatting or
	// interpolation of non-constant values and passed to a query method.
	// High. Parameterised queries and tagged templates do not fire.
	SQLStringConcat = "SQL_STRING_CONCAT"
	// SQLInjection: SQL text that carries an injection payload:
	// tautologies (OR 1=1), comment truncation after a quote, UNION
	// SELECT of credential columns, time and error oracles. High.
	SQLInjection = "SQL_INJECTION"
	// DestructiveSQL: DROP DATABASE/SCHEMA/TABLE, TRUNCATE, DELETE or
	// UPDATE without a WHERE clause (or with an always-true one), ALTER
	// TABLE … DROP COLUMN. High; critical for databases and schemas.
	DestructiveSQL = "DESTRUCTIVE_SQL"
	// PathTraversal: a file path taken from request input without
	// sanitising (basename, secure_filename, a prefix check), or a literal
	// that climbs out with ../ sequences. High.
	PathTraversal = "PATH_TRAVERSAL"
	// HardcodedSecret: a credential in the code (the secrets detector's
	// rules), or a literal password in CREATE/ALTER USER. High.
	HardcodedSecret = "HARDCODED_SECRET"
	// TLSVerifyDisabled: certificate verification switched off
	// (verify=False, InsecureSkipVerify, rejectUnauthorized: false,
	// NODE_TLS_REJECT_UNAUTHORIZED=0, curl -k, git http.sslVerify false).
	// High; medium against localhost.
	TLSVerifyDisabled = "TLS_VERIFY_DISABLED"
	// DestructiveShell: commands that destroy a system: rm -rf of the root,
	// home or system directories, dd/mkfs/shred on block devices, fork
	// bombs, find / -delete, kill -1, shutdown. Critical or high.
	DestructiveShell = "DESTRUCTIVE_SHELL"
	// DestructiveFileOperation: recursive deletion through a language API
	// (os.RemoveAll, shutil.rmtree, fs.rmSync) of the root, home or a
	// system directory (critical), or of a path from request input
	// (high).
	DestructiveFileOperation = "DESTRUCTIVE_FILE_OPERATION"
	// DownloadAndExecute: remote content run without inspection: curl | sh,
	// bash <(curl …), eval "$(wget -O- …)", exec(urlopen(…).read()).
	// Critical.
	DownloadAndExecute = "DOWNLOAD_AND_EXECUTE"
	// PrivilegeEscalation: sudo, su, doas, setuid(0), setuid bits, world-
	// writable system paths, writes to /etc/sudoers or /etc/passwd,
	// privileged containers, SQL GRANT ALL / SUPERUSER / sysadmin. High;
	// critical for sudoers and passwd writes.
	PrivilegeEscalation = "PRIVILEGE_ESCALATION"
	// NetworkExfiltration: sensitive data (credential files, /etc/shadow,
	// the environment) sent over the network, or SQL that writes data to
	// files or remote servers. Critical or high.
	NetworkExfiltration = "NETWORK_EXFILTRATION"
	// ReverseShell: a shell wired to a network connection (bash -i >&
	// /dev/tcp/…, nc -e, socket + dup2 + pty.spawn, net.Dial + exec).
	// Critical.
	ReverseShell = "REVERSE_SHELL"
	// Persistence: code that survives a reboot or grants standing access
	// (authorized_keys, crontab installs, rc.local). High.
	Persistence = "PERSISTENCE"
	// DefenseEvasion: clearing shell history or logs, disabling SELinux,
	// the firewall or auditing. High.
	DefenseEvasion = "DEFENSE_EVASION"
	// XSSSink: non-constant HTML written to the page or response
	// (innerHTML, document.write, dangerouslySetInnerHTML, template.HTML).
	// High.
	XSSSink = "XSS_SINK"
	// SensitiveFileAccess: reading credential or system files (medium on
	// its own; sending them is NETWORK_EXFILTRATION), and SQL reading
	// server files (high).
	SensitiveFileAccess = "SENSITIVE_FILE_ACCESS"
	// UnparseableCode: the code did not parse as the language; the
	// detector fell back to a lexical scan. Medium: not blocked by itself,
	// but never silent.
	UnparseableCode = "UNPARSEABLE_CODE"
)

// maxLits bounds the literal fragments an expression's facts keep (for
// the SQL shape test and shell templates), so that a string built by a
// thousand += stays cheap to carry.
const maxLits = 64

// FindingTypes lists the vocabulary, sorted.
func FindingTypes() []string {
	return []string{
		CommandInjection, DefenseEvasion, DestructiveFileOperation, DestructiveShell, DestructiveSQL,
		DownloadAndExecute, DynamicEval, HardcodedSecret, NetworkExfiltration, PathTraversal,
		Persistence, PrivilegeEscalation, ReverseShell, SensitiveFileAccess, SQLInjection,
		SQLStringConcat, TLSVerifyDisabled, UnparseableCode, UnsafeDeserialization, XSSSink,
	}
}
