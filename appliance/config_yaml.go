package appliance

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// YAML renders c as a YAML document in the order of the Config struct,
// with durations written like "15m". Load reads it back to an equal Config.
func (c Config) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(structNode(reflect.ValueOf(c))); err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	return buf.Bytes(), nil
}

func structNode(v reflect.Value) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := range v.NumField() {
		key := &yaml.Node{Kind: yaml.ScalarNode, Value: yamlName(v.Type().Field(i))}
		m.Content = append(m.Content, key, valueNode(v.Field(i)))
	}
	return m
}

func valueNode(v reflect.Value) *yaml.Node {
	switch {
	case v.Type() == durationType:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: formatDuration(time.Duration(v.Int()))}
	case isSectionType(v.Type()):
		return structNode(v)
	case v.Kind() == reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for i := range v.Len() {
			n.Content = append(n.Content, scalarNode(v.Index(i).Interface()))
		}
		return n
	}
	return scalarNode(v.Interface())
}

func scalarNode(x any) *yaml.Node {
	var n yaml.Node
	if err := n.Encode(x); err != nil {
		// Strings, bools and integers always encode.
		return &yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprint(x)}
	}
	return &n
}

// formatDuration writes 15m for 15m0s and 720h for 720h0m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// checkFileKeys rejects a config file whose keys are not configuration
// keys, naming the line of each; YAML syntax errors are reported too.
func checkFileKeys(data []byte, name string) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := resolveAlias(doc.Content[0])
	if isNull(root) {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: the top level must be a mapping of keys", name, root.Line)
	}
	var errs []error
	checkMapping(root, "", name, &errs, 0)
	return errors.Join(errs...)
}

// maxNesting bounds recursion through merge keys.
const maxNesting = 16

func checkMapping(n *yaml.Node, prefix, name string, errs *[]error, depth int) {
	if depth > maxNesting {
		*errs = append(*errs, fmt.Errorf("%s:%d: nested too deeply", name, n.Line))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			*errs = append(*errs, fmt.Errorf("%s:%d: keys must be plain names", name, k.Line))
			continue
		}
		if k.Tag == "!!merge" {
			checkMerge(v, prefix, name, errs, depth)
			continue
		}
		checkEntry(k, v, prefix+strings.ToLower(k.Value), name, errs, depth)
	}
}

func checkEntry(k, v *yaml.Node, key, name string, errs *[]error, depth int) {
	switch {
	case configKeys.isSection[key]:
		if v.Kind == yaml.MappingNode {
			checkMapping(v, key+".", name, errs, depth+1)
		} else if !isNull(v) {
			*errs = append(*errs, fmt.Errorf("%s:%d: %s must be a mapping of keys", name, k.Line, key))
		}
	case configKeys.isLeaf[key]:
		if v.Kind == yaml.MappingNode {
			*errs = append(*errs, fmt.Errorf("%s:%d: %s takes a value, not a mapping", name, k.Line, key))
		}
	case unavailableError(key) != "":
		*errs = append(*errs, fmt.Errorf("%s:%d: %s", name, k.Line, unavailableError(key)))
	default:
		*errs = append(*errs, fmt.Errorf("%s:%d: unknown key %q", name, k.Line, key))
	}
}

// checkMerge checks the mapping (or list of mappings) merged in by "<<".
func checkMerge(v *yaml.Node, prefix, name string, errs *[]error, depth int) {
	if depth > maxNesting {
		*errs = append(*errs, fmt.Errorf("%s:%d: nested too deeply", name, v.Line))
		return
	}
	if v.Kind == yaml.MappingNode {
		checkMapping(v, prefix, name, errs, depth+1)
		return
	}
	if v.Kind != yaml.SequenceNode {
		*errs = append(*errs, fmt.Errorf("%s:%d: << must merge a mapping", name, v.Line))
		return
	}
	for _, m := range v.Content {
		checkMerge(resolveAlias(m), prefix, name, errs, depth+1)
	}
}

// resolveAlias follows alias nodes to what they name.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxNesting; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}
