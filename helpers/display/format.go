package display

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of Format.
const (
	lineWidth = 80  // longer composites are written one element per line
	maxItems  = 100 // elements shown per slice, array or map
	maxDepth  = 10  // nesting levels shown
)

// Format returns v as readable text, the text/plain form in which Show and
// Result show values:
//
//   - a string as it is, an error as its message, a fmt.Stringer (such as
//     time.Duration or time.Time) as its String, a Renderer as its
//     text/plain content;
//   - numbers and booleans as Go writes them; nil as nil;
//   - a struct with its type and field names: Point{X: 1, Y: 2};
//   - a pointer as & and what it points to: &Point{X: 1, Y: 2};
//   - a slice or array as [1, 2, 3]; a map with sorted keys: map["a": 1];
//   - a channel with its type, length and capacity: chan int (len 2, cap 4).
//
// Inside structs, slices and maps, strings and errors are quoted. A value
// that does not fit on one line of about 80 characters is written one
// element per line, indented. Long slices and maps are cut after 100
// elements, deep nesting after 10 levels, and a pointer cycle is shown as
// <cycle>.
func Format(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case error:
		return callString(x.Error)
	}
	f := formatter{seen: map[uintptr]bool{}}
	return f.value(reflect.ValueOf(v), 0)
}

// formatTuple formats several values as ("a", 1, true).
func formatTuple(values []any) string {
	f := formatter{seen: map[uintptr]bool{}}
	items := make([]string, len(values))
	for i, v := range values {
		items[i] = f.value(reflect.ValueOf(v), 1)
	}
	return composite("(", ")", items, 0)
}

type formatter struct {
	seen map[uintptr]bool // pointers on the path being formatted
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	errorType    = reflect.TypeFor[error]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
	rendererType = reflect.TypeFor[Renderer]()
)

// value formats v at the given nesting depth (0 for the top level).
func (f *formatter) value(v reflect.Value, depth int) string {
	if !v.IsValid() {
		return "nil"
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func:
		if v.IsNil() {
			if v.Kind() == reflect.Slice {
				return "[]"
			}
			return "nil"
		}
	}
	if v.Kind() == reflect.Interface {
		return f.value(v.Elem(), depth)
	}
	if s, ok := f.method(v, depth); ok {
		return s
	}
	t := v.Type()
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if t == durationType { // also in unexported fields, where String cannot be called
			return time.Duration(v.Int()).String()
		}
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Uintptr, reflect.UnsafePointer:
		return "0x" + strconv.FormatUint(uint64(v.Pointer()), 16)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, t.Bits())
	case reflect.Complex64, reflect.Complex128:
		return strconv.FormatComplex(v.Complex(), 'g', -1, t.Bits())
	case reflect.String:
		return strconv.Quote(v.String())
	case reflect.Chan:
		return fmt.Sprintf("%s (len %d, cap %d)", t, v.Len(), v.Cap())
	case reflect.Func:
		return t.String()
	case reflect.Pointer:
		p := v.Pointer()
		if f.seen[p] {
			return "<cycle>"
		}
		f.seen[p] = true
		defer delete(f.seen, p)
		return "&" + f.value(v.Elem(), depth)
	case reflect.Struct:
		if depth >= maxDepth {
			return t.Name() + "{…}"
		}
		items := make([]string, t.NumField())
		for i := range items {
			items[i] = t.Field(i).Name + ": " + f.value(v.Field(i), depth+1)
		}
		return composite(t.Name()+"{", "}", items, depth)
	case reflect.Slice, reflect.Array:
		if depth >= maxDepth {
			return "[…]"
		}
		n := min(v.Len(), maxItems)
		items := make([]string, n, n+1)
		for i := range n {
			items[i] = f.value(v.Index(i), depth+1)
		}
		if v.Len() > n {
			items = append(items, fmt.Sprintf("… %d more", v.Len()-n))
		}
		return composite("[", "]", items, depth)
	case reflect.Map:
		if depth >= maxDepth {
			return "map[…]"
		}
		return f.mapValue(v, depth)
	}
	return fmt.Sprint(v) // not reached: every kind is handled above
}

// method formats v with its DisplayData, Error or String method, if it has
// one that can be called.
func (f *formatter) method(v reflect.Value, depth int) (string, bool) {
	if !v.CanInterface() {
		return "", false
	}
	t := v.Type()
	switch {
	case t.Implements(rendererType):
		d := v.Interface().(Renderer).DisplayData()
		if s, ok := d.MIME["text/plain"].(string); ok {
			return s, true
		}
		return fallbackText(d), true
	case t.Implements(errorType):
		s := callString(v.Interface().(error).Error)
		if depth > 0 {
			s = strconv.Quote(s)
		}
		return s, true
	case t.Implements(stringerType):
		return callString(v.Interface().(fmt.Stringer).String), true
	}
	return "", false
}

// callString calls a String or Error method, turning a panic into text.
func callString(method func() string) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<panic in String or Error method: %v>", r)
		}
	}()
	return method()
}

// mapValue formats a map with its keys in order.
func (f *formatter) mapValue(v reflect.Value, depth int) string {
	type entry struct {
		key, text string
		k         reflect.Value
		value     reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		entries = append(entries, entry{key: f.value(it.Key(), depth+1), k: it.Key(), value: it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := compareKeys(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	n := min(len(entries), maxItems)
	items := make([]string, n, n+1)
	for i := range n {
		items[i] = entries[i].key + ": " + f.value(entries[i].value, depth+1)
	}
	if len(entries) > n {
		items = append(items, fmt.Sprintf("… %d more", len(entries)-n))
	}
	return composite("map[", "]", items, depth)
}

// compareKeys orders map keys of the same basic kind by value: numbers
// numerically, strings and booleans as Go orders them. Keys of different
// kinds are ordered by kind; other keys compare equal here and are ordered
// by their text.
func compareKeys(a, b reflect.Value) int {
	for a.Kind() == reflect.Interface && !a.IsNil() {
		a = a.Elem()
	}
	for b.Kind() == reflect.Interface && !b.IsNil() {
		b = b.Elem()
	}
	if a.Kind() != b.Kind() {
		return cmp.Compare(a.Kind(), b.Kind())
	}
	switch a.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(a.Float(), b.Float())
	case reflect.String:
		return strings.Compare(a.String(), b.String())
	case reflect.Bool:
		switch {
		case a.Bool() == b.Bool():
			return 0
		case b.Bool():
			return -1
		}
		return 1
	}
	return 0
}

// composite writes items between open and close: on one line when it is
// short and no item spans lines, otherwise one indented item per line.
func composite(open, close string, items []string, depth int) string {
	one := open + strings.Join(items, ", ") + close
	if utf8.RuneCountInString(one) <= lineWidth-2*depth && !strings.Contains(one, "\n") {
		return one
	}
	var b strings.Builder
	b.WriteString(open)
	b.WriteByte('\n')
	for _, item := range items {
		b.WriteString("  ")
		b.WriteString(strings.ReplaceAll(item, "\n", "\n  "))
		b.WriteString(",\n")
	}
	b.WriteString(close)
	return b.String()
}
