package experiment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// SpecError is a problem with a spec, located by the dotted path of the
// offending field ("gd.eta", "init.theta[3]", "model.kind"); Path is empty
// for problems with the document as a whole.
type SpecError struct {
	Path string
	Msg  string
}

// Error returns "path: message", or the message alone for a problem with
// the whole document.
func (e *SpecError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func specErr(path, format string, args ...any) error {
	return &SpecError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// join builds a dotted path.
func join(path, field string) string {
	if field == "" {
		field = `""` // the empty key, visible in messages
	}
	if path == "" {
		return field
	}
	return path + "." + field
}

// parseTree decodes a JSON document into generic values (objects as
// map[string]any, numbers as json.Number), reporting syntax errors with
// their line and column.
func parseTree(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, specErr("", "empty document")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		return nil, specErr("", "not valid JSON: unexpected data after the top-level value at %s", lineCol(data, off))
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, specErr("", "not a JSON object (the spec must be {...})")
	}
	if err := duplicateKeys(data); err != nil {
		return nil, err
	}
	return v, nil
}

// duplicateKeys reports the first object key that appears twice in the
// same object (encoding/json would silently keep the last one), by its path.
func duplicateKeys(data []byte) error {
	type frame struct {
		object  bool
		keys    map[string]bool
		path    string
		index   int    // next array index
		key     string // pending key of an object member
		haveKey bool   // whether key is pending (a key may be "")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	// child returns the path of the value about to be read.
	child := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return join(f.path, f.key)
		}
		p := fmt.Sprintf("%s[%d]", f.path, f.index)
		f.index++
		return p
	}
	expectKey := func() bool {
		if len(stack) == 0 {
			return false
		}
		f := stack[len(stack)-1]
		return f.object && !f.haveKey
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // syntax errors are reported by the decoder proper
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, &frame{object: d == '{', keys: map[string]bool{}, path: child()})
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					stack[len(stack)-1].haveKey = false
				}
			}
			continue
		}
		if expectKey() {
			f := stack[len(stack)-1]
			k := tok.(string)
			if f.keys[k] {
				return specErr(join(f.path, k), "appears twice")
			}
			f.keys[k] = true
			f.key, f.haveKey = k, true
			continue
		}
		child()
		if len(stack) > 0 {
			stack[len(stack)-1].haveKey = false
		}
	}
}

func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return specErr("", "not valid JSON: %v at %s", se, lineCol(data, se.Offset))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return specErr("", "not valid JSON: unexpected end of input")
	}
	return specErr("", "not valid JSON: %v", err)
}

func lineCol(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// binder is implemented by types that bind themselves from a generic JSON
// value (the polymorphic model and data specs).
type binder interface {
	bindJSON(v any, path string) error
}

var binderType = reflect.TypeFor[binder]()

// bind stores the generic JSON value v into dst, strictly: unknown fields,
// wrong types, non-integral or out-of-range numbers and missing required
// fields are errors naming the field's path. Struct fields are matched by
// their json tag; a field tagged `spec:"required"` must be present, and
// one tagged `spec:"positive"` (a number whose zero value means "absent: use
// the default") must be positive when present. Options combine with
// commas.
func bind(v any, dst reflect.Value, path string) error {
	if dst.Kind() == reflect.Pointer {
		if v == nil {
			return specErr(path, "null is not allowed")
		}
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return bind(v, dst.Elem(), path)
	}
	if dst.CanAddr() && dst.Addr().Type().Implements(binderType) {
		return dst.Addr().Interface().(binder).bindJSON(v, path)
	}
	switch dst.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return specErr(path, "want an object, got %s", describe(v))
		}
		return bindStruct(obj, dst, path)
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return specErr(path, "want an array, got %s", describe(v))
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for i, e := range arr {
			if err := bind(e, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Float64:
		x, err := number(v, path)
		if err != nil {
			return err
		}
		dst.SetFloat(x)
		return nil
	case reflect.Int, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return specErr(path, "want an integer, got %s", describe(v))
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(n.String(), 64)
			if ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				i = int64(f)
			} else {
				return specErr(path, "want an integer, got %s", n)
			}
		}
		dst.SetInt(i)
		return nil
	case reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return specErr(path, "want a non-negative integer, got %s", describe(v))
		}
		u, err := strconv.ParseUint(n.String(), 10, 64)
		if err != nil {
			return specErr(path, "want a non-negative integer below 2^64, got %s", n)
		}
		dst.SetUint(u)
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return specErr(path, "want a string, got %s", describe(v))
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return specErr(path, "want true or false, got %s", describe(v))
		}
		dst.SetBool(b)
		return nil
	}
	panic(fmt.Sprintf("experiment: bind: unsupported type %v at %s", dst.Type(), path))
}

// number converts a JSON number to a finite float64.
func number(v any, path string) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, specErr(path, "want a number, got %s", describe(v))
	}
	x, err := strconv.ParseFloat(n.String(), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, specErr(path, "%s is not a finite float64", n)
	}
	return x, nil
}

func bindStruct(obj map[string]any, dst reflect.Value, path string) error {
	t := dst.Type()
	known := map[string]int{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		known[name] = i
		names = append(names, name)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := known[k]; !ok {
			sort.Strings(names)
			if len(names) == 0 {
				return specErr(join(path, k), "unknown field (this object takes none)")
			}
			return specErr(join(path, k), "unknown field (known here: %s)", strings.Join(names, ", "))
		}
	}
	for _, name := range names {
		i := known[name]
		v, present := obj[name]
		opts := strings.Split(t.Field(i).Tag.Get("spec"), ",")
		if !present {
			if slices.Contains(opts, "required") {
				return specErr(join(path, name), "missing")
			}
			continue
		}
		if err := bind(v, dst.Field(i), join(path, name)); err != nil {
			return err
		}
		if slices.Contains(opts, "positive") {
			if err := checkPositive(dst.Field(i), join(path, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// describe names the JSON type of a generic value for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + x.String()
	case string:
		return strconv.Quote(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// checkPositive enforces the tag option spec:"positive" on a bound number:
// the field's zero value stands for "absent, use the default", so a value
// given explicitly must be positive (an explicit 0 is out of range, not a
// request for the default).
func checkPositive(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Int, reflect.Int64:
		if v.Int() < 1 {
			return specErr(path, "must be ≥ 1 (got %d)", v.Int())
		}
	case reflect.Float64:
		if !(v.Float() > 0) {
			return specErr(path, "must be > 0 (got %v)", v.Float())
		}
	}
	return nil
}
