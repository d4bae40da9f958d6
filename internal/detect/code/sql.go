package code

import (
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
)

// SQL has many dialects and no well-kept pure-Go parser covering them, so
// it is read by our own tokenizer — strings with doubled quotes, E''
// escapes and $tag$ dollar quoting, quoted identifiers, -- # and /* */
// comments, bind parameters ($1, ?, :name, :'psql_var', @name) — and each
// statement (split at semicolons outside strings) is judged on its
// keywords: what it destroys (DROP, TRUNCATE, DELETE or UPDATE without a
// real WHERE), what it grants, whether it runs programs or touches server
// files, and the marks of injection payloads (tautologies after OR,
// comments that cut a quoted string short, UNION SELECT of credential
// columns, time and error oracles). Text inside strings and comments is
// never mistaken for statements.

type sqlKind uint8

const (
	sqlWord sqlKind = iota // keyword or identifier
	sqlString
	sqlQuotedIdent
	sqlNumber
	sqlParam
	sqlOp
	sqlComment
)

type sqlTok struct {
	kind sqlKind
	s, e int
	text string // words upper-cased; strings: the value
}

// sqlLex tokenizes src; errOff is the offset of an unterminated string or
// comment, or -1.
func sqlLex(src string) (toks []sqlTok, errOff int) {
	errOff = -1
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-', c == '#' && (i == 0 || src[i-1] == '\'' || src[i-1] == '\n' || src[i-1] == ' ') && (i+1 >= len(src) || src[i+1] != '>'):
			j := lineEnd(src, i)
			toks = append(toks, sqlTok{kind: sqlComment, s: i, e: j, text: src[i:j]})
			i = j
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := strings.Index(src[i+2:], "*/")
			e := len(src)
			if j < 0 {
				if errOff < 0 {
					errOff = i
				}
			} else {
				e = i + 2 + j + 2
			}
			toks = append(toks, sqlTok{kind: sqlComment, s: i, e: e, text: src[i:e]})
			i = e
		case c == '\'' || (c == 'E' || c == 'e' || c == 'N' || c == 'n') && i+1 < len(src) && src[i+1] == '\'':
			start := i
			if c != '\'' {
				i++
			}
			backslash := c == 'E' || c == 'e'
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(src) {
				if backslash && src[j] == '\\' && j+1 < len(src) {
					b.WriteByte(src[j+1])
					j += 2
					continue
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(src[j])
				j++
			}
			if !closed && errOff < 0 {
				errOff = start
			}
			toks = append(toks, sqlTok{kind: sqlString, s: start, e: j, text: b.String()})
			i = j
		case c == '"' || c == '`':
			j := strings.IndexByte(src[i+1:], c)
			e := len(src)
			if j >= 0 {
				e = i + 1 + j + 1
			} else if errOff < 0 {
				errOff = i
			}
			toks = append(toks, sqlTok{kind: sqlQuotedIdent, s: i, e: e, text: strings.ToUpper(src[i+1 : max(e-1, i+1)])})
			i = e
		case c == '$' && i+1 < len(src) && (src[i+1] == '$' || isSQLIdentStart(src[i+1])):
			// $1 is a parameter; $tag$ … $tag$ a dollar-quoted string.
			j := i + 1
			for j < len(src) && (isSQLIdentByte(src[j])) {
				j++
			}
			if j < len(src) && src[j] == '$' {
				tag := src[i : j+1]
				k := strings.Index(src[j+1:], tag)
				e := len(src)
				body := src[j+1:]
				if k >= 0 {
					e = j + 1 + k + len(tag)
					body = src[j+1 : j+1+k]
				} else if errOff < 0 {
					errOff = i
				}
				toks = append(toks, sqlTok{kind: sqlString, s: i, e: e, text: body})
				i = e
				continue
			}
			toks = append(toks, sqlTok{kind: sqlParam, s: i, e: j, text: src[i:j]})
			i = j
		case c == '$' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9', c == '?':
			j := i + 1
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			toks = append(toks, sqlTok{kind: sqlParam, s: i, e: j, text: src[i:j]})
			i = j
		case c == ':' && i+1 < len(src) && (isSQLIdentStart(src[i+1]) || src[i+1] == '\'' || src[i+1] == '"') && (i == 0 || src[i-1] != ':'):
			j := i + 1
			if src[j] == '\'' || src[j] == '"' {
				if k := strings.IndexByte(src[j+1:], src[j]); k >= 0 {
					j += k + 2
				} else {
					j = len(src)
				}
			} else {
				for j < len(src) && isSQLIdentByte(src[j]) {
					j++
				}
			}
			toks = append(toks, sqlTok{kind: sqlParam, s: i, e: j, text: src[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'x' || src[j] == 'X' || src[j] >= 'a' && src[j] <= 'f' || src[j] >= 'A' && src[j] <= 'F') {
				j++
			}
			toks = append(toks, sqlTok{kind: sqlNumber, s: i, e: j, text: src[i:j]})
			i = j
		case isSQLIdentStart(c) || c == '@':
			j := i + 1
			for j < len(src) && (isSQLIdentByte(src[j]) || src[j] == '@') {
				j++
			}
			toks = append(toks, sqlTok{kind: sqlWord, s: i, e: j, text: strings.ToUpper(src[i:j])})
			i = j
		default:
			n := 1
			for _, op := range []string{"<>", "!=", "<=", ">=", "||", "::", "->>", "->", ".."} {
				if strings.HasPrefix(src[i:], op) {
					n = len(op)
					break
				}
			}
			if c >= 0x80 {
				n = 1
			}
			toks = append(toks, sqlTok{kind: sqlOp, s: i, e: i + n, text: src[i : i+n]})
			i += n
		}
	}
	return toks, errOff
}

func isSQLIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isSQLIdentByte(c byte) bool { return isSQLIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

// sqlStmt is one statement: its tokens without comments, and its
// comments.
type sqlStmt struct {
	toks     []sqlTok
	comments []sqlTok
	s, e     int
}

type sqlAnalysis struct {
	r   *report
	src string
}

func analyzeSQL(r *report, src string, _ int) {
	toks, errOff := sqlLex(src)
	if errOff >= 0 {
		lexicalFallback(r, SQL, src, &offsetError{off: errOff, msg: "unterminated string, identifier or comment"})
	}
	a := &sqlAnalysis{r: r, src: src}
	var stmts []sqlStmt
	cur := sqlStmt{s: -1}
	for _, t := range toks {
		if t.kind == sqlOp && t.text == ";" {
			if len(cur.toks) > 0 {
				stmts = append(stmts, cur)
			}
			cur = sqlStmt{s: -1}
			continue
		}
		if t.kind == sqlComment {
			cur.comments = append(cur.comments, t)
			continue
		}
		if cur.s < 0 {
			cur.s = t.s
		}
		cur.e = t.e
		cur.toks = append(cur.toks, t)
	}
	if len(cur.toks) > 0 {
		stmts = append(stmts, cur)
	}
	for i, st := range stmts {
		a.statement(st)
		if i > 0 && stmts[i-1].toks[0].text == "SELECT" && sameLine(src, stmts[i-1].e, st.s) && hasWord(stmts[i-1].toks, "WHERE") {
			switch st.toks[0].text {
			case "DROP", "DELETE", "UPDATE", "INSERT", "EXEC", "EXECUTE", "SHUTDOWN", "WAITFOR", "TRUNCATE", "ALTER", "GRANT", "CREATE":
				a.r.add(SQLInjection, detect.High, stmts[i-1].s, st.e, "a second statement is stacked after a query (stacked injection)")
			}
		}
	}
}

func sameLine(src string, a, b int) bool {
	if a > b || b > len(src) {
		return false
	}
	return !strings.Contains(src[a:b], "\n")
}

func hasWord(toks []sqlTok, w string) bool {
	for _, t := range toks {
		if t.kind == sqlWord && t.text == w {
			return true
		}
	}
	return false
}

// word returns the upper-cased word at i, or "".
func word(toks []sqlTok, i int) string {
	if i < 0 || i >= len(toks) || toks[i].kind != sqlWord {
		return ""
	}
	return toks[i].text
}

// depths returns the parenthesis depth of each token.
func depths(toks []sqlTok) []int {
	d := make([]int, len(toks))
	n := 0
	for i, t := range toks {
		if t.kind == sqlOp && t.text == ")" && n > 0 {
			n--
		}
		d[i] = n
		if t.kind == sqlOp && t.text == "(" {
			n++
		}
	}
	return d
}

// sensitiveColumns are credential columns and account catalogues.
var sensitiveColumns = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PWD": true, "PASS": true, "PASSWORD_HASH": true, "SECRET": true, "TOKEN": true,
	"API_KEY": true, "APIKEY": true, "CREDIT_CARD": true, "CARD_NUMBER": true, "SSN": true, "AUTHENTICATION_STRING": true,
	"PG_SHADOW": true, "PG_AUTHID": true, "SQL_LOGINS": true, "SYSLOGINS": true, "INFORMATION_SCHEMA": true, "SYSUSERS": true,
	"ALL_USERS": true, "DBA_USERS": true, "USER_PASSWORDS": true, "ROLPASSWORD": true, "PASSWORD_DIGEST": true,
}

// statement judges one statement.
func (a *sqlAnalysis) statement(st sqlStmt) {
	t := st.toks
	s, e := st.s, st.e
	first, second := word(t, 0), word(t, 1)
	switch first {
	case "DROP":
		obj := second
		if obj == "TEMPORARY" || obj == "TEMP" {
			obj = word(t, 2)
		}
		switch obj {
		case "DATABASE", "SCHEMA":
			a.r.add(DestructiveSQL, detect.Critical, s, e, "DROP "+obj+" destroys every table in it")
		case "TABLE", "USER", "ROLE", "LOGIN", "TABLESPACE":
			if (first+second == "DROPTEMPORARY") || (first+second == "DROPTEMP") {
				return
			}
			a.r.add(DestructiveSQL, detect.High, s, e, "DROP "+obj+" destroys it and its data")
		default:
			a.r.add(DestructiveSQL, detect.Medium, s, e, "DROP "+obj)
		}
	case "TRUNCATE":
		a.r.add(DestructiveSQL, detect.High, s, e, "TRUNCATE deletes every row")
	case "DELETE", "UPDATE":
		a.rowsWithoutWhere(st, first)
	case "ALTER":
		a.alter(st)
	case "GRANT":
		a.grant(st)
	case "CREATE":
		a.create(st)
	case "EXEC", "EXECUTE", "CALL":
		a.exec(st)
	case "COPY":
		a.copyStmt(st)
	case "LOAD":
		if second == "DATA" {
			a.r.add(SensitiveFileAccess, detect.High, s, e, "LOAD DATA reads a file on the database server")
		}
	case "BULK":
		a.r.add(SensitiveFileAccess, detect.High, s, e, "BULK INSERT reads a file on the database server")
	case "SHUTDOWN":
		a.r.add(DestructiveSQL, detect.High, s, e, "SHUTDOWN stops the database server")
	}
	a.anywhere(st)
}

// rowsWithoutWhere: DELETE and UPDATE that touch every row.
func (a *sqlAnalysis) rowsWithoutWhere(st sqlStmt, verb string) {
	t := st.toks
	d := depths(t)
	where := -1
	for i := range t {
		if d[i] == 0 && word(t, i) == "WHERE" {
			where = i
			break
		}
	}
	if verb == "UPDATE" {
		a.privilegeUpdate(st)
	}
	switch {
	case where < 0:
		if verb == "DELETE" && word(t, 1) != "FROM" && len(t) > 2 && !hasWord(t, "FROM") {
			return
		}
		a.r.add(DestructiveSQL, detect.High, st.s, st.e, verb+" without WHERE changes every row")
	case whereTautology(t[where+1:]):
		a.r.add(DestructiveSQL, detect.High, st.s, st.e, verb+" with an always-true WHERE changes every row")
	}
}

// whereTautology reports whether a WHERE condition is always true: a
// single tautological comparison, or one joined by OR.
func whereTautology(t []sqlTok) bool {
	if tautologyAt(t, 0) > 0 {
		n := tautologyAt(t, 0)
		if n >= len(t) || word(t, n) == "OR" || word(t, n) == "RETURNING" || word(t, n) == "LIMIT" {
			return true
		}
	}
	d := depths(t)
	for i := range t {
		if d[i] == 0 && word(t, i) == "OR" && tautologyAt(t, i+1) > 0 {
			return true
		}
	}
	return false
}

// tautologyAt returns the length of an always-true comparison starting at
// i (1=1, 'a'='a', TRUE, 2>1), or 0.
func tautologyAt(t []sqlTok, i int) int {
	if i >= len(t) {
		return 0
	}
	if word(t, i) == "TRUE" || t[i].kind == sqlNumber && t[i].text != "0" && (i+1 >= len(t) || t[i+1].kind != sqlOp || t[i+1].text == ")" || t[i+1].text == ";") {
		return 1
	}
	if i+2 >= len(t) || t[i+1].kind != sqlOp {
		return 0
	}
	l, op, r := t[i], t[i+1].text, t[i+2]
	lit := func(x sqlTok) bool { return x.kind == sqlNumber || x.kind == sqlString }
	if !lit(l) || !lit(r) {
		return 0
	}
	same := l.text == r.text
	switch op {
	case "=":
		if same {
			return 3
		}
	case "<>", "!=":
		if !same {
			return 3
		}
	case ">", "<", ">=", "<=":
		if l.kind == sqlNumber && r.kind == sqlNumber {
			return 3
		}
	}
	return 0
}

// privilegeUpdate: UPDATE … SET is_admin = true and the like.
func (a *sqlAnalysis) privilegeUpdate(st sqlStmt) {
	t := st.toks
	for i := 0; i+2 < len(t); i++ {
		col := t[i].text
		if t[i].kind != sqlWord && t[i].kind != sqlQuotedIdent {
			continue
		}
		switch col {
		case "IS_ADMIN", "ADMIN", "IS_SUPERUSER", "SUPERUSER", "IS_STAFF", "ROLE", "USER_ROLE", "IS_ROOT", "PRIVILEGES", "ACCESS_LEVEL":
		default:
			continue
		}
		if t[i+1].text != "=" {
			continue
		}
		v := t[i+2]
		if word(t, i+2) == "TRUE" || v.kind == sqlNumber && v.text == "1" || v.kind == sqlString && (strings.Contains(strings.ToLower(v.text), "admin") || strings.EqualFold(v.text, "root") || strings.EqualFold(v.text, "superuser")) {
			a.r.add(PrivilegeEscalation, detect.High, st.s, st.e, "UPDATE grants an account administrator rights")
			return
		}
	}
}

func (a *sqlAnalysis) alter(st sqlStmt) {
	t := st.toks
	switch word(t, 1) {
	case "TABLE":
		for i := 2; i < len(t); i++ {
			if word(t, i) == "DROP" {
				what := word(t, i+1)
				if what == "COLUMN" || what != "CONSTRAINT" && what != "INDEX" && what != "DEFAULT" && what != "NOT" && what != "PRIMARY" && what != "FOREIGN" && what != "PARTITION" {
					a.r.add(DestructiveSQL, detect.High, st.s, st.e, "ALTER TABLE … DROP COLUMN destroys a column's data")
				}
				return
			}
		}
	case "USER", "ROLE", "LOGIN":
		a.roleOptions(st)
		a.passwordLiteral(st)
	case "SERVER":
		if hasWord(t, "SYSADMIN") && hasWord(t, "ADD") {
			a.r.add(PrivilegeEscalation, detect.High, st.s, st.e, "adds a login to the sysadmin server role")
		}
	}
}

// roleOptions judges CREATE/ALTER USER/ROLE options.
func (a *sqlAnalysis) roleOptions(st sqlStmt) {
	t := st.toks
	for i := range t {
		switch word(t, i) {
		case "SUPERUSER", "CREATEROLE", "BYPASSRLS", "REPLICATION", "SYSADMIN":
			if word(t, i-1) != "NO" && !strings.HasPrefix(word(t, i), "NO") {
				a.r.add(PrivilegeEscalation, detect.High, st.s, st.e, "gives a role "+word(t, i))
				return
			}
		}
	}
}

// passwordLiteral reports a literal password in CREATE/ALTER USER.
func (a *sqlAnalysis) passwordLiteral(st sqlStmt) {
	t := st.toks
	for i := 0; i+1 < len(t); i++ {
		w := word(t, i)
		if w != "PASSWORD" && !(w == "BY" && word(t, i-1) == "IDENTIFIED") {
			continue
		}
		v := t[i+1]
		if v.kind == sqlWord && v.text == "=" {
			continue
		}
		if i+2 < len(t) && t[i+1].kind == sqlOp && t[i+1].text == "=" {
			v = t[i+2]
		}
		if v.kind == sqlString && v.text != "" && !strings.ContainsAny(v.text, "<>{}$%") {
			a.r.add(HardcodedSecret, detect.High, v.s, v.e, "a literal password in the statement")
			return
		}
	}
}

func (a *sqlAnalysis) grant(st sqlStmt) {
	t := st.toks
	to := -1
	for i := range t {
		if word(t, i) == "TO" {
			to = i
		}
	}
	privs := t[1:]
	if to > 0 {
		privs = t[1:to]
	}
	reason := ""
	switch {
	case hasWord(privs, "ALL"):
		reason = "GRANT ALL gives every privilege"
	case hasWord(privs, "SUPER") || hasWord(privs, "FILE") || hasWord(privs, "PROCESS") || hasWord(privs, "SHUTDOWN") || hasWord(privs, "SYSADMIN") ||
		hasWord(privs, "DB_OWNER") || hasWord(privs, "RDS_SUPERUSER") || hasWord(privs, "PG_EXECUTE_SERVER_PROGRAM") ||
		hasWord(privs, "PG_READ_SERVER_FILES") || hasWord(privs, "PG_WRITE_SERVER_FILES") || hasWord(privs, "CONTROL") || hasWord(privs, "IMPERSONATE"):
		reason = "GRANT of an administrative privilege"
	case to > 0 && word(t, to+1) == "PUBLIC" && !hasWord(privs, "SELECT") && !hasWord(privs, "USAGE") && !hasWord(privs, "CONNECT"):
		reason = "GRANT to PUBLIC gives every user the privilege"
	case hasWord(t, "GRANT") && hasWord(t[1:], "OPTION") && hasWord(t[1:], "GRANT"):
		reason = "WITH GRANT OPTION lets the grantee grant further"
	}
	if reason != "" {
		a.r.add(PrivilegeEscalation, detect.High, st.s, st.e, reason)
	}
}

func (a *sqlAnalysis) create(st sqlStmt) {
	t := st.toks
	i := 1
	if word(t, 1) == "OR" && word(t, 2) == "REPLACE" {
		i = 3
	}
	switch word(t, i) {
	case "USER", "ROLE", "LOGIN":
		a.roleOptions(st)
		a.passwordLiteral(st)
	case "FUNCTION", "PROCEDURE", "AGGREGATE":
		for j := i; j < len(t); j++ {
			w := word(t, j)
			if w == "SONAME" || w == "LANGUAGE" && (word(t, j+1) == "C" || strings.HasSuffix(word(t, j+1), "U") && strings.HasPrefix(word(t, j+1), "PL")) {
				a.r.add(CommandInjection, detect.Critical, st.s, st.e, "creates a function from native or untrusted-language code")
				return
			}
		}
	}
}

func (a *sqlAnalysis) exec(st sqlStmt) {
	t := st.toks
	for i := range t {
		w := word(t, i)
		switch {
		case strings.HasSuffix(w, "XP_CMDSHELL") || strings.HasSuffix(w, "SP_OACREATE"):
			a.r.add(CommandInjection, detect.Critical, st.s, st.e, "runs an operating-system command from SQL")
			return
		case strings.HasSuffix(w, "SP_CONFIGURE"):
			for _, x := range t {
				if x.kind == sqlString && (strings.EqualFold(x.text, "xp_cmdshell") || strings.Contains(strings.ToLower(x.text), "ole automation")) {
					a.r.add(CommandInjection, detect.Critical, st.s, st.e, "enables operating-system commands in the database server")
					return
				}
			}
		case strings.HasSuffix(w, "SP_ADDSRVROLEMEMBER") || strings.HasSuffix(w, "SP_ADDROLEMEMBER"):
			for _, x := range t {
				if x.kind == sqlString && (strings.EqualFold(x.text, "sysadmin") || strings.EqualFold(x.text, "db_owner") || strings.EqualFold(x.text, "securityadmin")) {
					a.r.add(PrivilegeEscalation, detect.High, st.s, st.e, "adds a login to an administrative role")
					return
				}
			}
		case strings.HasSuffix(w, "XP_DIRTREE") || strings.HasSuffix(w, "XP_FILEEXIST") || strings.HasSuffix(w, "XP_SUBDIRS"):
			a.r.add(NetworkExfiltration, detect.High, st.s, st.e, "makes the server reach a file share (out-of-band exfiltration)")
			return
		case strings.HasSuffix(w, "XP_REGWRITE") || strings.HasSuffix(w, "XP_REGREAD"):
			a.r.add(PrivilegeEscalation, detect.High, st.s, st.e, "reads or writes the server's registry")
			return
		}
	}
}

func (a *sqlAnalysis) copyStmt(st sqlStmt) {
	t := st.toks
	for i := range t {
		w := word(t, i)
		if (w == "TO" || w == "FROM") && i+1 < len(t) {
			next := t[i+1]
			switch {
			case word(t, i+1) == "PROGRAM":
				a.r.add(CommandInjection, detect.Critical, st.s, st.e, "COPY … PROGRAM runs an operating-system command")
				return
			case next.kind == sqlString && w == "TO":
				a.r.add(NetworkExfiltration, detect.High, st.s, st.e, "COPY writes table data to a file on the database server")
				return
			case next.kind == sqlString && w == "FROM":
				a.r.add(SensitiveFileAccess, detect.High, st.s, st.e, "COPY reads a file on the database server")
				return
			}
		}
	}
}

// sqlFileFuncs are functions that read or write server files or reach
// other hosts.
var sqlFileFuncs = map[string]struct {
	typ    string
	sev    detect.Severity
	detail string
}{
	"LOAD_FILE":           {SensitiveFileAccess, detect.High, "LOAD_FILE reads a file on the database server"},
	"PG_READ_FILE":        {SensitiveFileAccess, detect.High, "pg_read_file reads a file on the database server"},
	"PG_READ_BINARY_FILE": {SensitiveFileAccess, detect.High, "pg_read_binary_file reads a file on the database server"},
	"PG_LS_DIR":           {SensitiveFileAccess, detect.High, "pg_ls_dir lists the database server's directories"},
	"LO_IMPORT":           {SensitiveFileAccess, detect.High, "lo_import reads a file on the database server"},
	"LO_EXPORT":           {NetworkExfiltration, detect.High, "lo_export writes data to a file on the database server"},
	"SYS_EXEC":            {CommandInjection, detect.Critical, "sys_exec runs an operating-system command"},
	"SYS_EVAL":            {CommandInjection, detect.Critical, "sys_eval runs an operating-system command"},
	"XP_CMDSHELL":         {CommandInjection, detect.Critical, "xp_cmdshell runs an operating-system command"},
	"OPENROWSET":          {NetworkExfiltration, detect.High, "OPENROWSET connects to another server or reads a file"},
	"OPENDATASOURCE":      {NetworkExfiltration, detect.High, "OPENDATASOURCE connects to another server"},
	"DBLINK":              {NetworkExfiltration, detect.High, "dblink connects to another server"},
	"DBLINK_CONNECT":      {NetworkExfiltration, detect.High, "dblink connects to another server"},
	"UTL_HTTP.REQUEST":    {NetworkExfiltration, detect.High, "UTL_HTTP sends a request from the database server"},
	"UTL_INADDR":          {NetworkExfiltration, detect.High, "UTL_INADDR makes a DNS request from the database server"},
	"SLEEP":               {SQLInjection, detect.High, "a time delay (blind injection oracle)"},
	"PG_SLEEP":            {SQLInjection, detect.High, "a time delay (blind injection oracle)"},
	"BENCHMARK":           {SQLInjection, detect.High, "a time delay (blind injection oracle)"},
	"EXTRACTVALUE":        {SQLInjection, detect.High, "an error-based injection oracle"},
	"UPDATEXML":           {SQLInjection, detect.High, "an error-based injection oracle"},
}

// anywhere judges what may appear in any statement.
func (a *sqlAnalysis) anywhere(st sqlStmt) {
	t := st.toks
	d := depths(t)
	first := word(t, 0)
	inWhere := false
	for i, x := range t {
		w := word(t, i)
		if w == "WHERE" || w == "HAVING" || w == "ON" {
			inWhere = true
		}
		if fn, ok := sqlFileFuncs[w]; ok && (i+1 < len(t) && t[i+1].text == "(" || w == "XP_CMDSHELL") {
			a.r.add(fn.typ, fn.sev, x.s, st.e, fn.detail)
		}
		if strings.HasPrefix(w, "UTL_HTTP") || strings.HasPrefix(w, "UTL_INADDR") {
			a.r.add(NetworkExfiltration, detect.High, x.s, st.e, "the database server makes a network request")
		}
		switch {
		case w == "INTO" && (word(t, i+1) == "OUTFILE" || word(t, i+1) == "DUMPFILE"):
			a.r.add(NetworkExfiltration, detect.High, st.s, st.e, "SELECT … INTO "+word(t, i+1)+" writes data to a file on the database server")
		case w == "WAITFOR" && word(t, i+1) == "DELAY":
			a.r.add(SQLInjection, detect.High, x.s, st.e, "a time delay (blind injection oracle)")
		case w == "OR" && inWhere && tautologyAt(t, i+1) > 0 && first != "DELETE" && first != "UPDATE":
			a.r.add(SQLInjection, detect.High, x.s, st.e, "an always-true condition after OR (tautology injection)")
		case w == "@@VERSION" && inWhere:
			a.r.add(SQLInjection, detect.High, x.s, st.e, "the server version in a condition (error-based injection)")
		case w == "UNION" && a.unionLeak(t[i:]):
			a.r.add(SQLInjection, detect.High, x.s, st.e, "UNION SELECT of credential columns or catalogues")
		case w == "SELECT" && d[i] > 0 && inWhere && selectsSensitive(t[i:]):
			a.r.add(SQLInjection, detect.High, x.s, st.e, "a subquery in a condition reads credential columns (blind injection)")
		}
	}
	a.commentTruncation(st)
}

// unionLeak reports whether a UNION's SELECT reads credential columns or
// catalogues.
func (a *sqlAnalysis) unionLeak(t []sqlTok) bool {
	for i := 1; i < len(t) && i < 64; i++ {
		if word(t, i) == "UNION" {
			break
		}
		if sensitiveColumns[word(t, i)] || sensitiveColumns[strings.TrimSuffix(word(t, i), "S")] || t[i].kind == sqlQuotedIdent && sensitiveColumns[t[i].text] {
			return true
		}
	}
	return false
}

// selectsSensitive reports whether a SELECT's list names a credential
// column.
func selectsSensitive(t []sqlTok) bool {
	for i := 1; i < len(t) && i < 32; i++ {
		if word(t, i) == "FROM" {
			return false
		}
		if sensitiveColumns[word(t, i)] {
			return true
		}
	}
	return false
}

// commentTruncation finds a comment that cuts off the rest of a quoted
// condition: a string, then --, # or /* carrying an unbalanced quote and
// more SQL.
func (a *sqlAnalysis) commentTruncation(st sqlStmt) {
	for _, c := range st.comments {
		if c.s < st.s || c.s > st.e+1 && !sameLine(a.src, st.e, c.s) {
			continue
		}
		body := c.text
		if !strings.Contains(body, "'") {
			continue
		}
		upper := strings.ToUpper(body)
		if !(strings.Contains(upper, " AND ") || strings.Contains(upper, " OR ") || strings.Contains(upper, "PASS") || strings.Contains(upper, "WHERE")) {
			continue
		}
		// The comment follows a string on the same line.
		prev := strings.TrimRight(a.src[:c.s], " \t")
		if strings.HasSuffix(prev, "'") {
			a.r.add(SQLInjection, detect.High, c.s, c.e, "a comment cuts the rest of a quoted condition off (comment injection)")
			return
		}
	}
}

// sqlParamSpans returns the spans of bind parameters and psql variables,
// where a value is named, not written.
func sqlParamSpans(src string) [][2]int {
	toks, _ := sqlLex(src)
	var out [][2]int
	for _, t := range toks {
		if t.kind == sqlParam {
			out = append(out, [2]int{t.s, t.e})
		}
	}
	return out
}
