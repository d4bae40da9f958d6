package cedar

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cedar-policy/cedar-go/types"

	"github.com/agentgov/agentgov/acs"
)

// Request mapping (§12.4, digest 12.5).
//
// Default mapping:
//
//	principal  Agent::"<$pi.snapshot.envelope.agent.id>"   (missing → policy_invocation_failed)
//	action     Action::"<intervention point>"
//	resource   Tool::"<$pi.tool.name>" at a tool point with a projected tool,
//	           otherwise PolicyTarget::"<policy_target_kind>" ("unspecified" without one)
//	context    the snapshot without its `envelope` member, plus the record
//	           `annotations` holding every annotation under its name, so a
//	           policy reads context.annotations.<name>
//
// A snapshot that has its own top-level `annotations` member fails the
// evaluation: it would collide with the annotations record.
//
// Overrides. The spec lets a definition or binding `query` (a request
// template object) and binding `principal`/`action`/`resource`/`context`
// accessors replace parts of the mapping but does not define their form;
// agentgov's form is:
//
//	query:                      # on the definition and/or the binding
//	  principal: <entity accessor>
//	  action:    <entity accessor>
//	  resource:  <entity accessor>
//	  context:   <context accessor>
//	principal: <entity accessor>  # binding members, the same forms
//	...
//
// Each of the four parts is taken from the first of: the binding member,
// the binding's query, the definition's query, the default mapping. Parts
// not given keep the default. Unknown template members fail Prepare.
//
// An entity accessor is one of:
//
//   - `Type::"id"`: a fixed entity (Cedar syntax);
//   - a path (`$pi…`, `$policy_target…`, `$tool…`, `$snap…`, `$…`, the
//     grammar of §3) resolving to a string, which becomes the id of the
//     part's default type (Agent, Action, Tool at a tool point else
//     PolicyTarget), or to an object {"type": T, "id": I};
//   - {"type": T, "id": I}: a fixed entity;
//   - {"type": T, "from": path}: type T, id read from the path (a string).
//
// A context accessor is a path resolving to an object (the whole context),
// or an object mapping each context member name to a path. A path that does
// not resolve fails the evaluation (policy_invocation_failed), like a
// required manifest path (§3); null values follow the value mapping (a
// null context member is left out).

// Default entity types.
const (
	typeAgent        = types.EntityType("Agent")
	typeAction       = types.EntityType("Action")
	typeTool         = types.EntityType("Tool")
	typePolicyTarget = types.EntityType("PolicyTarget")
)

// entityAccessor computes one request entity; the zero value (nil
// pointer at the use site) is the default mapping.
type entityAccessor struct {
	literal types.EntityUID
	fixed   bool
	typ     types.EntityType // for a path: the type to use; "" = the part's default
	path    *path
}

// contextAccessor computes the context record.
type contextAccessor struct {
	path    *path
	members []contextMember // sorted by name
}

type contextMember struct {
	name string
	path *path
}

// requestMapping is the compiled mapping of one binding.
type requestMapping struct {
	principal, action, resource *entityAccessor
	context                     *contextAccessor
}

// compileMapping reads the query templates and accessors of a binding.
func compileMapping(def, binding map[string]any) (*requestMapping, error) {
	defQuery, err := template(def, "definition")
	if err != nil {
		return nil, err
	}
	bindQuery, err := template(binding, "binding")
	if err != nil {
		return nil, err
	}
	m := &requestMapping{}
	for _, part := range []string{"principal", "action", "resource", "context"} {
		var v any
		var from string
		for _, src := range []struct {
			m    map[string]any
			name string
		}{{binding, "binding"}, {bindQuery, "binding query"}, {defQuery, "definition query"}} {
			if x, ok := src.m[part]; ok && x != nil {
				v, from = x, src.name
				break
			}
		}
		if v == nil {
			continue
		}
		if part == "context" {
			if m.context, err = compileContext(v); err != nil {
				return nil, fmt.Errorf("%s context: %w", from, err)
			}
			continue
		}
		a, err := compileEntity(v)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", from, part, err)
		}
		switch part {
		case "principal":
			m.principal = a
		case "action":
			m.action = a
		case "resource":
			m.resource = a
		}
	}
	return m, nil
}

// template returns the `query` object of a definition or binding.
func template(m map[string]any, where string) (map[string]any, error) {
	v, ok := m["query"]
	if !ok || v == nil {
		return nil, nil
	}
	q, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s query must be an object (a Cedar request template), got %T", where, v)
	}
	for k := range q {
		switch k {
		case "principal", "action", "resource", "context":
		default:
			return nil, fmt.Errorf("%s query: unknown member %q", where, k)
		}
	}
	return q, nil
}

func compileEntity(v any) (*entityAccessor, error) {
	switch v := v.(type) {
	case string:
		if strings.HasPrefix(v, "$") {
			p, err := parsePath(v)
			if err != nil {
				return nil, err
			}
			return &entityAccessor{path: p}, nil
		}
		var uid types.EntityUID
		if err := uid.UnmarshalCedar([]byte(v)); err != nil {
			return nil, fmt.Errorf("%q is neither a path nor a Cedar entity (Type::\"id\"): %w", v, err)
		}
		return &entityAccessor{literal: uid, fixed: true}, nil
	case map[string]any:
		for k := range v {
			if k != "type" && k != "id" && k != "from" {
				return nil, fmt.Errorf("unknown member %q", k)
			}
		}
		ts, ok := v["type"].(string)
		if !ok {
			return nil, errors.New("type must be a string")
		}
		typ, err := types.NewEntityType(ts)
		if err != nil {
			return nil, err
		}
		id, hasID := v["id"]
		from, hasFrom := v["from"]
		switch {
		case hasID == hasFrom:
			return nil, errors.New("exactly one of id and from is required")
		case hasID:
			s, ok := id.(string)
			if !ok {
				return nil, errors.New("id must be a string")
			}
			return &entityAccessor{literal: types.NewEntityUID(typ, types.String(s)), fixed: true}, nil
		default:
			s, ok := from.(string)
			if !ok {
				return nil, errors.New("from must be a path")
			}
			p, err := parsePath(s)
			if err != nil {
				return nil, err
			}
			return &entityAccessor{typ: typ, path: p}, nil
		}
	default:
		return nil, fmt.Errorf("must be a string or an object, got %T", v)
	}
}

func compileContext(v any) (*contextAccessor, error) {
	switch v := v.(type) {
	case string:
		p, err := parsePath(v)
		if err != nil {
			return nil, err
		}
		return &contextAccessor{path: p}, nil
	case map[string]any:
		c := &contextAccessor{members: make([]contextMember, 0, len(v))}
		for name, pv := range v {
			s, ok := pv.(string)
			if !ok {
				return nil, fmt.Errorf("member %q must be a path, got %T", name, pv)
			}
			p, err := parsePath(s)
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", name, err)
			}
			c.members = append(c.members, contextMember{name: name, path: p})
		}
		sort.Slice(c.members, func(i, j int) bool { return c.members[i].name < c.members[j].name })
		return c, nil
	default:
		return nil, fmt.Errorf("must be a path or an object of paths, got %T", v)
	}
}

// build maps one policy input to a Cedar request.
func (m *requestMapping) build(in *acs.PolicyInput) (types.Request, error) {
	var req types.Request
	var err error
	if req.Principal, err = m.principal.entity(in, typeAgent, defaultPrincipal); err != nil {
		return req, fmt.Errorf("principal: %w", err)
	}
	if req.Action, err = m.action.entity(in, typeAction, defaultAction); err != nil {
		return req, fmt.Errorf("action: %w", err)
	}
	resourceType := typePolicyTarget
	if toolName(in) != "" {
		resourceType = typeTool
	}
	if req.Resource, err = m.resource.entity(in, resourceType, defaultResource); err != nil {
		return req, fmt.Errorf("resource: %w", err)
	}
	if req.Context, err = m.context.record(in); err != nil {
		return req, fmt.Errorf("context: %w", err)
	}
	return req, nil
}

func (a *entityAccessor) entity(in *acs.PolicyInput, defaultType types.EntityType, def func(*acs.PolicyInput) (types.EntityUID, error)) (types.EntityUID, error) {
	switch {
	case a == nil:
		return def(in)
	case a.fixed:
		return a.literal, nil
	}
	v, err := a.path.resolve(in)
	if err != nil {
		return types.EntityUID{}, err
	}
	if a.typ != "" {
		s, ok := v.(string)
		if !ok {
			return types.EntityUID{}, fmt.Errorf("%s is %s, not a string id", a.path.text, jsonType(v))
		}
		return types.NewEntityUID(a.typ, types.String(s)), nil
	}
	switch v := v.(type) {
	case string:
		return types.NewEntityUID(defaultType, types.String(v)), nil
	case map[string]any:
		t, ok1 := v["type"].(string)
		id, ok2 := v["id"].(string)
		if !ok1 || !ok2 || len(v) != 2 {
			return types.EntityUID{}, fmt.Errorf("%s is an object but not an entity reference {\"type\", \"id\"}", a.path.text)
		}
		typ, err := types.NewEntityType(t)
		if err != nil {
			return types.EntityUID{}, fmt.Errorf("%s: %w", a.path.text, err)
		}
		return types.NewEntityUID(typ, types.String(id)), nil
	default:
		return types.EntityUID{}, fmt.Errorf("%s is %s, not an entity id", a.path.text, jsonType(v))
	}
}

// defaultPrincipal is Agent::"<$pi.snapshot.envelope.agent.id>" (the AGT
// snapshot envelope); without it the dispatch fails (digest 12.5).
func defaultPrincipal(in *acs.PolicyInput) (types.EntityUID, error) {
	snap, _ := in.Snapshot.(map[string]any)
	env, _ := snap["envelope"].(map[string]any)
	agent, _ := env["agent"].(map[string]any)
	id, ok := agent["id"].(string)
	if !ok {
		return types.EntityUID{}, &acs.Error{
			Reason:  acs.ReasonPolicyInvocationFailed,
			Message: "cedar: the snapshot has no envelope.agent.id string for the principal",
		}
	}
	return types.NewEntityUID(typeAgent, types.String(id)), nil
}

func defaultAction(in *acs.PolicyInput) (types.EntityUID, error) {
	return types.NewEntityUID(typeAction, types.String(in.InterventionPoint)), nil
}

func defaultResource(in *acs.PolicyInput) (types.EntityUID, error) {
	if name := toolName(in); name != "" {
		return types.NewEntityUID(typeTool, types.String(name)), nil
	}
	kind := "unspecified"
	if in.PolicyTarget.HasKind {
		kind = in.PolicyTarget.Kind
	}
	return types.NewEntityUID(typePolicyTarget, types.String(kind)), nil
}

// toolName is the projected tool's name at a tool point, or "".
func toolName(in *acs.PolicyInput) string {
	if in.InterventionPoint != acs.PreToolCall && in.InterventionPoint != acs.PostToolCall {
		return ""
	}
	name, _ := in.Tool["name"].(string)
	return name
}

func (c *contextAccessor) record(in *acs.PolicyInput) (types.Record, error) {
	switch {
	case c == nil:
		return defaultContext(in)
	case c.path != nil:
		v, err := c.path.resolve(in)
		if err != nil {
			return types.Record{}, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return types.Record{}, fmt.Errorf("%s is %s, not an object", c.path.text, jsonType(v))
		}
		return toRecord(m, 1)
	}
	rm := make(types.RecordMap, len(c.members))
	for _, mem := range c.members {
		v, err := mem.path.resolve(in)
		if err != nil {
			return types.Record{}, err
		}
		cv, ok, err := toValue(v, 1)
		if err != nil {
			return types.Record{}, fmt.Errorf("%s: %w", mem.name, err)
		}
		if ok {
			rm[types.String(mem.name)] = cv
		}
	}
	return types.NewRecord(rm), nil
}

// defaultContext is the snapshot without `envelope`, plus `annotations`.
func defaultContext(in *acs.PolicyInput) (types.Record, error) {
	var snap map[string]any
	switch s := in.Snapshot.(type) {
	case map[string]any:
		snap = s
	case nil:
	default:
		return types.Record{}, fmt.Errorf("the snapshot is %s, not an object", jsonType(s))
	}
	rm := make(types.RecordMap, len(snap)+1)
	for k, v := range snap {
		switch k {
		case "envelope":
			continue
		case "annotations":
			return types.Record{}, errors.New(`the snapshot has a top-level "annotations" member, which collides with the annotations record`)
		}
		cv, ok, err := toValue(v, 1)
		if err != nil {
			return types.Record{}, fmt.Errorf("snapshot.%s: %w", k, err)
		}
		if ok {
			rm[types.String(k)] = cv
		}
	}
	ann, err := toRecord(in.Annotations, 1)
	if err != nil {
		return types.Record{}, fmt.Errorf("annotations: %w", err)
	}
	rm["annotations"] = ann
	return types.NewRecord(rm), nil
}
