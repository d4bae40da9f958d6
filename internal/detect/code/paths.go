package code

import (
	"path"
	"strings"
)

// Tables shared by the language analyses: which paths matter, which
// programs are shells, interpreters or downloaders. They are read-only.

// homePrefixes are the spellings of the home directory at the start of a
// path; normalisePath rewrites them to "~".
var homePrefixes = []string{"${HOME}", "$HOME", "~"}

// normalisePath rewrites home spellings to "~", /home/<user> and /root to
// "~", collapses duplicate slashes and drops a trailing slash or "/*"
// (deleting a directory's contents is as bad as deleting it).
func normalisePath(p string) string {
	p = strings.TrimSpace(p)
	for _, h := range homePrefixes {
		if p == h || strings.HasPrefix(p, h+"/") {
			p = "~" + p[len(h):]
			break
		}
	}
	switch {
	case p == "/root" || strings.HasPrefix(p, "/root/"):
		p = "~" + p[len("/root"):]
	case strings.HasPrefix(p, "/home/"):
		rest := p[len("/home/"):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			p = "~" + rest[i:]
		} else if rest != "" && rest != "*" {
			p = "~"
		}
	}
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	for {
		switch {
		case strings.HasSuffix(p, "/*") && len(p) > 2:
			p = p[:len(p)-2]
			continue
		case strings.HasSuffix(p, "/.") && len(p) > 2:
			p = p[:len(p)-2]
			continue
		case strings.HasSuffix(p, "/") && len(p) > 1:
			p = p[:len(p)-1]
			continue
		}
		break
	}
	if p == "/*" || p == "/." {
		p = "/"
	}
	return p
}

// systemRoots are the top-level directories whose loss breaks a system.
var systemRoots = []string{"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/sbin", "/srv", "/sys", "/usr", "/var", "/home", "/root", "/System", "/Library", "/Applications", "/Users"}

// scratchDirs are system paths that are meant to be emptied.
var scratchDirs = []string{"/tmp", "/var/tmp", "/var/cache", "/dev/null", "/dev/shm"}

// criticalPath reports whether deleting (or opening to everyone) p would
// wreck the system or the user's home: the root, the home directory, a
// system root, or a directory one level below /usr, /var, /etc, /lib,
// /boot, /opt (e.g. /var/lib, /usr/bin, /etc/ssl).
func criticalPath(p string) bool {
	p = normalisePath(p)
	if p == "" {
		return false
	}
	if p == "/" || p == "~" {
		return true
	}
	for _, s := range scratchDirs {
		if p == s || strings.HasPrefix(p, s+"/") {
			return false
		}
	}
	for _, r := range systemRoots {
		if p == r {
			return true
		}
		if strings.HasPrefix(p, r+"/") {
			rest := p[len(r)+1:]
			switch r {
			case "/usr", "/var", "/etc", "/lib", "/boot", "/opt", "/bin", "/sbin":
				return !strings.Contains(rest, "/")
			}
		}
	}
	// The user's dot-directories are the home's most precious part.
	if strings.HasPrefix(p, "~/") {
		rest := p[2:]
		return !strings.Contains(rest, "/") && strings.HasPrefix(rest, ".") && rest != "." && sensitivePath(p)
	}
	return false
}

// systemPath reports whether p lies under a system root (not scratch
// space): the place where world-writable permissions or writes escalate.
func systemPath(p string) bool {
	p = normalisePath(p)
	if p == "/" {
		return true
	}
	for _, s := range scratchDirs {
		if p == s || strings.HasPrefix(p, s+"/") {
			return false
		}
	}
	for _, r := range systemRoots {
		if r == "/home" || r == "/Users" {
			continue
		}
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// sensitiveMarkers are path fragments of credentials and account data.
var sensitiveMarkers = []string{
	"/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/sudoers", "/etc/master.passwd",
	"/.ssh", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "authorized_keys",
	"/.aws", "/.kube/config", "/.docker/config.json", "/.netrc", "/.git-credentials", "/.gnupg",
	"/.config/gcloud", "/.azure", "/.npmrc", "/.pypirc", "/.pgpass", "/.my.cnf", "/.vault-token",
	"/proc/self/environ", "/var/run/secrets", "/run/secrets/kubernetes.io", ".bash_history", "/.env",
	"/etc/ssl/private", "wallet.dat", "/Library/Keychains",
}

// sensitivePath reports whether p names credentials or account data.
func sensitivePath(p string) bool {
	n := normalisePath(p)
	if strings.HasPrefix(n, "~") {
		n = "/" + strings.TrimPrefix(n, "~")
	}
	if n == ".env" || strings.HasSuffix(n, "/.env") {
		return true
	}
	for _, m := range sensitiveMarkers {
		if strings.Contains(n, m) {
			if m == "/.env" && !strings.HasSuffix(n, "/.env") {
				continue
			}
			return true
		}
	}
	return false
}

// deviceTarget reports whether p is a block device: writing to it destroys
// a disk.
func deviceTarget(p string) bool {
	if !strings.HasPrefix(p, "/dev/") {
		return false
	}
	d := p[len("/dev/"):]
	for _, pre := range []string{"sd", "hd", "vd", "xvd", "nvme", "mmcblk", "disk", "rdisk", "md", "dm-", "mapper/", "mtd", "loop", "nbd"} {
		if strings.HasPrefix(d, pre) {
			return true
		}
	}
	return false
}

// progName is the program's base name, lower case, without a Windows
// .exe suffix.
func progName(p string) string {
	p = strings.ToLower(path.Base(strings.ReplaceAll(p, `\`, "/")))
	return strings.TrimSuffix(p, ".exe")
}

// isShell reports whether prog is a command interpreter that runs the
// string after -c (or /c for cmd, -Command for PowerShell).
func isShell(prog string) bool {
	switch progName(prog) {
	case "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "csh", "tcsh", "busybox", "cmd", "powershell", "pwsh":
		return true
	}
	return false
}

// isShellFlag reports whether a is the flag that makes a shell run the
// next argument as a command.
func isShellFlag(a string) bool {
	switch strings.ToLower(a) {
	case "-c", "/c", "/k", "-command", "-lc", "-ic", "-ec", "-xc", "-cl", "-ce", "-encodedcommand", "-enc":
		return true
	}
	return false
}

// interpreterLanguage maps an interpreter to the language of its -c/-e
// argument; ok is false for programs that are not interpreters, and lang
// is empty for interpreters we only scan lexically (perl, ruby, php).
func interpreterLanguage(prog string) (lang Language, flag string, ok bool) {
	p := progName(prog)
	switch {
	case isShell(p):
		return Bash, "-c", true
	case p == "python" || strings.HasPrefix(p, "python2") || strings.HasPrefix(p, "python3") || p == "pypy" || p == "pypy3":
		return Python, "-c", true
	case p == "node" || p == "nodejs" || p == "deno" || p == "bun":
		return JavaScript, "-e", true
	case p == "perl" || p == "ruby" || p == "lua":
		return "", "-e", true
	case p == "php":
		return "", "-r", true
	}
	return "", "", false
}

// isFetcher reports whether prog downloads from the network.
func isFetcher(prog string) bool {
	switch progName(prog) {
	case "curl", "wget", "fetch", "aria2c", "http", "https", "xh", "lwp-download", "GET":
		return true
	}
	return false
}

// isLocalURL reports whether a URL or host names this machine.
func isLocalURL(u string) bool {
	u = strings.ToLower(u)
	for _, p := range []string{"https://", "http://"} {
		u = strings.TrimPrefix(u, p)
	}
	for _, h := range []string{"localhost", "127.", "[::1]", "0.0.0.0"} {
		if strings.HasPrefix(u, h) {
			return true
		}
	}
	return false
}
