package config

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// The governance sections (roles, defaults, agents, tools) are maps keyed
// by names the operator chooses, so they are decoded here rather than
// through the scalar field table. Every value records where it came from,
// so validation errors point at the line that set it.

// governanceKeys are the top-level keys decoded by this file.
var governanceKeys = []string{"agents", "defaults", "roles", "tools"}

func isGovernance(path string) bool {
	for _, k := range governanceKeys {
		if path == k {
			return true
		}
	}
	return false
}

func (l *loader) governance(path string, keyNode, val ast.Node) {
	l.prov[path] = l.fileOrigin(keyNode)
	if p := unsupported(val); p != "" {
		l.fail(path, val, p)
		return
	}
	if _, isNull := val.(*ast.NullNode); isNull {
		return
	}
	switch path {
	case "roles":
		roles := map[string][]string{}
		l.members(path, val, func(name string, k, v ast.Node) {
			p := memberPath(path, name)
			l.prov[p] = l.fileOrigin(k)
			roles[name] = l.strList(p, v).Values
		})
		l.cfg.Roles = nilIfEmpty(roles)
	case "defaults":
		l.cfg.Defaults = l.profile(path, val)
	case "agents":
		agents := map[string]Profile{}
		l.members(path, val, func(name string, k, v ast.Node) {
			p := memberPath(path, name)
			l.prov[p] = l.fileOrigin(k)
			agents[name] = l.profile(p, v)
		})
		l.cfg.Agents = nilIfEmpty(agents)
	case "tools":
		tools := map[string]Tool{}
		l.members(path, val, func(name string, k, v ast.Node) {
			p := memberPath(path, name)
			l.prov[p] = l.fileOrigin(k)
			tools[name] = l.tool(p, v)
		})
		l.cfg.Tools = nilIfEmpty(tools)
	}
}

// nilIfEmpty makes `agents: {}` load exactly like an absent section.
func nilIfEmpty[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return m
}

// members calls fn for each entry of the mapping at path, rejecting
// duplicate and non-string keys. Names may contain dots here: they are
// agent ids and tool names, not nested keys.
func (l *loader) members(path string, node ast.Node, fn func(name string, key, val ast.Node)) {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return
	}
	mn, ok := node.(ast.MapNode)
	if !ok {
		l.fail(path, node, "expected a mapping, got "+describe(node))
		return
	}
	seen := map[string]int{}
	it := mn.MapRange()
	for it.Next() {
		kv := it.KeyValue()
		var keyNode ast.Node = kv.Key
		if mk, ok := keyNode.(*ast.MappingKeyNode); ok {
			keyNode = mk.Value
		}
		var name string
		switch k := keyNode.(type) {
		case *ast.StringNode:
			name = k.Value
		case *ast.IntegerNode:
			name = k.GetToken().Value
		default:
			if p := unsupported(keyNode); p != "" {
				l.note(path, keyNode, p)
			} else {
				l.note(path, keyNode, "keys must be strings, got "+describe(keyNode))
			}
			continue
		}
		if first, dup := seen[name]; dup {
			l.fail(memberPath(path, name), kv.Key, fmt.Sprintf("duplicate key (first set on line %d)", first))
			continue
		}
		seen[name], _ = nodePos(kv.Key)
		fn(name, kv.Key, kv.Value)
	}
}

// fields decodes a mapping with a fixed set of keys.
func (l *loader) fields(path string, node ast.Node, valid []string, fn func(name, full string, val ast.Node)) {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return
	}
	if _, isNull := node.(*ast.NullNode); isNull {
		return
	}
	mn, ok := node.(ast.MapNode)
	if !ok {
		l.fail(path, node, "expected a mapping, got "+describe(node))
		return
	}
	l.keys(path, mn, func(name, full string, kv *ast.MappingValueNode) {
		if !slices.Contains(valid, name) {
			l.note(full, kv.Key, unknownKey(path, name, valid))
			return
		}
		l.prov[full] = l.fileOrigin(kv.Value)
		fn(name, full, kv.Value)
	})
}

func (l *loader) strList(path string, node ast.Node) List {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return List{}
	}
	switch n := node.(type) {
	case *ast.NullNode:
		return List{Set: true}
	case *ast.SequenceNode:
		out := List{Values: make([]string, 0, len(n.Values)), Set: true}
		for i, item := range n.Values {
			p := fmt.Sprintf("%s[%d]", path, i)
			l.prov[p] = l.fileOrigin(item)
			if s, ok := l.str(p, item); ok {
				out.Values = append(out.Values, s)
			}
		}
		return out
	default:
		l.fail(path, node, "expected a list of strings, got "+describe(node))
		return List{}
	}
}

func (l *loader) float(path string, node ast.Node) (float64, bool) {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return 0, false
	}
	switch n := node.(type) {
	case *ast.IntegerNode:
		v, problem := parseDecimal(n.GetToken().Value)
		if problem != "" {
			l.fail(path, node, problem)
			return 0, false
		}
		return float64(v), true
	case *ast.FloatNode:
		v, err := strconv.ParseFloat(n.GetToken().Value, 64)
		if err != nil {
			l.fail(path, node, "not a number")
			return 0, false
		}
		return v, true
	}
	l.fail(path, node, "expected a number, got "+describe(node))
	return 0, false
}

func ptr[T any](v T) *T { return &v }

func (l *loader) profile(path string, node ast.Node) Profile {
	var p Profile
	l.fields(path, node, profileKeys, func(name, full string, v ast.Node) {
		switch name {
		case "role":
			p.Role = l.role(full, v)
		case "ring":
			if n, ok := l.int(full, v); ok {
				p.Ring = ptr(int(max(min(n, 1<<20), -1)))
			}
		case "mode":
			p.Mode, _ = l.str(full, v)
		case "allowed_tools":
			p.AllowedTools = l.strList(full, v)
		case "denied_tools":
			p.DeniedTools = l.strList(full, v)
		case "require_approval":
			p.RequireApproval = l.strList(full, v)
		case "blocked_patterns":
			p.BlockedPatterns, p.BlockedPatternsSet = l.blockedPatterns(full, v), true
		case "limits":
			l.fields(full, v, []string{"max_cost", "max_tokens", "max_tool_calls", "timeout"}, func(n, f string, v ast.Node) {
				switch n {
				case "max_tool_calls":
					if x, ok := l.int(f, v); ok {
						p.Limits.MaxToolCalls = ptr(x)
					}
				case "max_tokens":
					if x, ok := l.int(f, v); ok {
						p.Limits.MaxTokens = ptr(x)
					}
				case "max_cost":
					if x, ok := l.float(f, v); ok {
						p.Limits.MaxCost = ptr(x)
					}
				case "timeout":
					if x, ok := l.duration(f, v); ok {
						p.Limits.Timeout = ptr(x)
					}
				}
			})
		case "rate":
			l.fields(full, v, []string{"burst", "per_second", "per_tool"}, func(n, f string, v ast.Node) {
				switch n {
				case "per_second":
					if x, ok := l.float(f, v); ok {
						p.Rate.PerSecond = ptr(x)
					}
				case "burst":
					if x, ok := l.int(f, v); ok {
						p.Rate.Burst = ptr(x)
					}
				case "per_tool":
					p.Rate.PerTool = map[string]RateSpec{}
					l.members(f, v, func(tool string, k, tv ast.Node) {
						tp := memberPath(f, tool)
						l.prov[tp] = l.fileOrigin(k)
						var rs RateSpec
						l.fields(tp, tv, []string{"burst", "per_second"}, func(n, ff string, v ast.Node) {
							if n == "per_second" {
								rs.PerSecond, _ = l.float(ff, v)
							} else {
								rs.Burst, _ = l.int(ff, v)
							}
						})
						p.Rate.PerTool[tool] = rs
					})
				}
			})
		case "concurrency":
			l.fields(full, v, []string{"backpressure", "max"}, func(n, f string, v ast.Node) {
				if n == "max" {
					if x, ok := l.int(f, v); ok {
						p.Concurrency.Max = ptr(x)
					}
				} else if x, ok := l.duration(f, v); ok {
					p.Concurrency.Backpressure = ptr(x)
				}
			})
		case "egress":
			e := &Egress{Default: "allow"}
			l.fields(full, v, []string{"default", "rules"}, func(n, f string, v ast.Node) {
				if n == "default" {
					e.Default, _ = l.str(f, v)
					return
				}
				seq, ok := v.(*ast.SequenceNode)
				if !ok {
					if _, isNull := v.(*ast.NullNode); !isNull {
						l.fail(f, v, "expected a list of {host, action} rules, got "+describe(v))
					}
					return
				}
				for i, item := range seq.Values {
					rp := fmt.Sprintf("%s[%d]", f, i)
					l.prov[rp] = l.fileOrigin(item)
					var r EgressRule
					l.fields(rp, item, []string{"action", "host"}, func(n, ff string, v ast.Node) {
						if n == "host" {
							r.Host, _ = l.str(ff, v)
						} else {
							r.Action, _ = l.str(ff, v)
						}
					})
					e.Rules = append(e.Rules, r)
				}
			})
			p.Egress = e
		case "data_classification":
			p.DataClassification, _ = l.str(full, v)
		case "block_on_drift":
			if b, ok := l.bool(full, v); ok {
				p.BlockOnDrift = ptr(b)
			}
		case "drift_threshold":
			if x, ok := l.float(full, v); ok {
				p.DriftThreshold = ptr(x)
			}
		case "manifest":
			p.Manifest, _ = l.str(full, v)
		case "min_trust_tier":
			p.MinTrustTier, _ = l.str(full, v)
		case "detectors":
			p.Detectors = l.detectors(full, v)
		}
	})
	return p
}

// role reads `role: WRITER` or `role: {name: WRITER, expires: <RFC 3339>}`.
func (l *loader) role(path string, node ast.Node) *RoleGrant {
	if _, isMap := node.(ast.MapNode); !isMap {
		s, ok := l.str(path, node)
		if !ok {
			return nil
		}
		return &RoleGrant{Name: s}
	}
	g := &RoleGrant{}
	l.fields(path, node, []string{"expires", "name"}, func(n, f string, v ast.Node) {
		s, ok := l.str(f, v)
		if !ok {
			return
		}
		if n == "name" {
			g.Name = s
			return
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			l.fail(f, v, "must be an RFC 3339 time such as 2027-01-31T00:00:00Z")
			return
		}
		g.Expires = t
	})
	return g
}

func (l *loader) blockedPatterns(path string, node ast.Node) []BlockedPattern {
	seq, ok := node.(*ast.SequenceNode)
	if !ok {
		if _, isNull := node.(*ast.NullNode); !isNull {
			l.fail(path, node, "expected a list of {substring|regex|glob: PATTERN}, got "+describe(node))
		}
		return nil
	}
	var out []BlockedPattern
	for i, item := range seq.Values {
		ip := fmt.Sprintf("%s[%d]", path, i)
		l.prov[ip] = l.fileOrigin(item)
		var bp BlockedPattern
		count := 0
		l.fields(ip, item, blockedKinds, func(n, f string, v ast.Node) {
			count++
			bp.Kind = n
			bp.Pattern, _ = l.str(f, v)
		})
		if count != 1 {
			// Kept (empty) so that later indexes still match the file.
			l.fail(ip, item, "each blocked pattern is exactly one of {substring: P}, {regex: P}, {glob: P}")
			bp = BlockedPattern{}
		}
		out = append(out, bp)
	}
	return out
}

func (l *loader) tool(path string, node ast.Node) Tool {
	t := Tool{Ring: 3, Permission: "write"}
	l.fields(path, node, toolKeys, func(name, full string, v ast.Node) {
		switch name {
		case "ring":
			if n, ok := l.int(full, v); ok {
				t.Ring = int(max(min(n, 1<<20), -1))
			}
		case "permission":
			t.Permission, _ = l.str(full, v)
		case "clearance":
			t.Clearance, _ = l.str(full, v)
		case "labels":
			t.Labels = l.strList(full, v).Values
		case "min_trust_tier":
			t.MinTrustTier, _ = l.str(full, v)
		case "output_schema":
			val, ok := l.value(full, v, 0)
			if !ok {
				return
			}
			m, isMap := val.(map[string]any)
			if !isMap {
				l.fail(full, v, "must be a JSON Schema object")
				return
			}
			t.OutputSchema = m
		case "approval":
			a := &ToolApproval{Quorum: 1}
			l.fields(full, v, []string{"approver_role", "quorum", "timeout"}, func(n, f string, v ast.Node) {
				switch n {
				case "quorum":
					a.Quorum, _ = l.int(f, v)
				case "approver_role":
					a.ApproverRole, _ = l.str(f, v)
				case "timeout":
					a.Timeout, _ = l.duration(f, v)
				}
			})
			t.Approval = a
		}
	})
	return t
}

// value converts a YAML subtree to a JSON value (for embedded JSON Schema).
func (l *loader) value(path string, node ast.Node, depth int) (any, bool) {
	if depth > 64 {
		l.fail(path, node, "nested too deeply")
		return nil, false
	}
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return nil, false
	}
	switch n := node.(type) {
	case *ast.NullNode:
		return nil, true
	case *ast.BoolNode:
		return n.Value, true
	case *ast.IntegerNode, *ast.FloatNode:
		return l.float(path, node)
	case *ast.StringNode, *ast.LiteralNode:
		return l.str(path, node)
	case *ast.SequenceNode:
		out := make([]any, 0, len(n.Values))
		for i, item := range n.Values {
			v, ok := l.value(fmt.Sprintf("%s[%d]", path, i), item, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case ast.MapNode:
		out := map[string]any{}
		okAll := true
		l.members(path, node, func(name string, k, v ast.Node) {
			val, ok := l.value(memberPath(path, name), v, depth+1)
			okAll = okAll && ok
			out[name] = val
		})
		return out, okAll
	}
	l.fail(path, node, "unsupported value: "+describe(node))
	return nil, false
}
