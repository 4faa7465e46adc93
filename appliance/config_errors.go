package appliance

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/go-viper/mapstructure/v2"
)

// fieldErrors turns mapstructure's decode errors into *FieldError values
// that name the key and say what was expected in plain words.
func fieldErrors(err error) error {
	var out []error
	collectFieldErrors(err, &out)
	return errors.Join(out...)
}

func collectFieldErrors(err error, out *[]error) {
	var de *mapstructure.DecodeError
	if d, ok := err.(*mapstructure.DecodeError); ok {
		de = d
	}
	switch e := err.(type) {
	case nil:
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			collectFieldErrors(inner, out)
		}
	default:
		if de != nil {
			*out = append(*out, &FieldError{Key: de.Name(), Reason: decodeReason(de.Unwrap())})
			return
		}
		if inner := errors.Unwrap(err); inner != nil {
			collectFieldErrors(inner, out)
			return
		}
		*out = append(*out, err)
	}
}

func decodeReason(err error) string {
	var pe *mapstructure.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%q is not %s", fmt.Sprint(pe.Value), kindWord(pe.Expected.Type()))
	}
	var ue *mapstructure.UnconvertibleTypeError
	if errors.As(err, &ue) {
		return fmt.Sprintf("expected %s, got %s", kindWord(ue.Expected.Type()), kindWord(reflect.TypeOf(ue.Value)))
	}
	return err.Error()
}

// kindWord names what a value of type t looks like in a config file.
func kindWord(t reflect.Type) string {
	if t == nil {
		return "nothing"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}
