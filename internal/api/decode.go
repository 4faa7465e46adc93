package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/fechatter/fechatter/internal/apperr"
)

// errUnsupportedJSON answers a body that is not declared as JSON.
var errUnsupportedJSON = apperr.New(apperr.KindUnsupportedMedia, "request body must be application/json")

// bodyRequired and bodyOptional say whether decodeJSON accepts an empty body.
const (
	bodyRequired = true
	bodyOptional = false
)

// decodeJSON reads the request body, a JSON object, into dst. An empty body
// is 400 when required and leaves dst untouched otherwise. See decodeBody.
func decodeJSON(r *http.Request, dst any, required bool) error {
	var data []byte
	if r.Body != nil {
		var err error
		if data, err = io.ReadAll(r.Body); err != nil {
			if isMaxBytes(err) {
				return errTooLarge
			}
			return &apperr.Error{Kind: apperr.KindInvalid, Message: "could not read request body", Err: err}
		}
	}
	return decodeBody(r.Header.Get("Content-Type"), data, dst, required)
}

// decodeBody decodes data, sent with contentType, into dst. It rejects a
// content type other than application/json (415), and with 400
// invalid_request: anything but one JSON object, unknown fields, values of
// the wrong type (naming the field), and trailing data.
func decodeBody(contentType string, data []byte, dst any, required bool) error {
	trimmed := bytes.Trim(data, " \t\r\n")
	if len(trimmed) == 0 {
		if required {
			return apperr.Invalid("request body is required", nil)
		}
		return nil
	}
	if !isJSONType(contentType) {
		return errUnsupportedJSON
	}
	if trimmed[0] != '{' {
		return apperr.Invalid("request body must be a JSON object", nil)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Invalid("request body must hold exactly one JSON object", nil)
	}
	return nil
}

// isJSONType accepts application/json with no charset or charset utf-8.
func isJSONType(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// jsonError turns a decoding error into a 400 that names the field when
// the decoder knows it.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var inv *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &syn):
		return apperr.Invalid(fmt.Sprintf("malformed JSON at byte %d", syn.Offset), nil)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.Invalid("malformed JSON: unexpected end of body", nil)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apperr.Invalid("request body must be a JSON object", nil)
		}
		return apperr.Field(typ.Field, "must be "+typeName(typ.Type))
	case errors.As(err, &inv):
		return fmt.Errorf("decode request body: %w", err) // our bug: a 500
	}
	if name, ok := unknownField(err); ok {
		return apperr.Invalid("unknown field "+strconv.Quote(name), map[string]string{name: "unknown field"})
	}
	return &apperr.Error{Kind: apperr.KindInvalid, Message: "malformed JSON", Err: err}
}

// unknownField extracts the name from encoding/json's unknown-field error,
// which has no type of its own.
func unknownField(err error) (string, bool) {
	const prefix = `json: unknown field `
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	name, uerr := strconv.Unquote(strings.TrimPrefix(msg, prefix))
	if uerr != nil {
		return "", false
	}
	return name, true
}

// typeName describes a Go type in JSON terms for a field error.
func typeName(t reflect.Type) string {
	if t == nil {
		return "a valid value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a valid value"
}
