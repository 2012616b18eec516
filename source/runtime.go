package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"runtime/debug"
	"strconv"
	"time"
)

// runtimePath is the Lambda Runtime API's version prefix.
const runtimePath = "/2018-06-01/runtime/"

// ServeRuntimeAPI is the function's side of the Lambda Runtime API at api (host:port, as
// AWS_LAMBDA_RUNTIME_API gives it): it asks for the next invocation, calls handler with a
// context that ends at the invocation's deadline, and posts the result to /response or the
// error to /error, until ctx ends (SIGTERM) or the Runtime API cannot be reached. It is the
// small HTTP protocol of a custom runtime (provided.al2023), spoken directly rather than
// through aws-lambda-go, whose RPC mode (net/rpc, encoding/gob) every build would carry.
func ServeRuntimeAPI(ctx context.Context, api string, handler func(context.Context, json.RawMessage) (LambdaResult, error)) error {
	base := "http://" + api + runtimePath
	// The next invocation may be a long while coming: no client timeout on that call.
	client := &http.Client{}
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"invocation/next", nil)
		if err != nil {
			return fmt.Errorf("lambda runtime API: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("lambda runtime API: asking for the next invocation: %w", err)
		}
		payload, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("lambda runtime API: next invocation: status %d: %v", resp.StatusCode, err)
		}
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		if trace := resp.Header.Get("Lambda-Runtime-Trace-Id"); trace != "" {
			os.Setenv("_X_AMZN_TRACE_ID", trace) // what the SDK's X-Ray propagation reads
		}
		ictx, cancel := ctx, context.CancelFunc(func() {})
		if ms, err := strconv.ParseInt(resp.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64); err == nil {
			ictx, cancel = context.WithDeadline(ctx, time.UnixMilli(ms))
		}
		res, herr := invoke(ictx, handler, payload)
		cancel()
		if herr != nil {
			body, _ := json.Marshal(struct {
				Message string `json:"errorMessage"`
				Type    string `json:"errorType"`
			}{herr.Error(), errorType(herr)})
			err = post(client, base+"invocation/"+id+"/error", body, "Unhandled")
		} else {
			var body []byte
			if body, err = json.Marshal(res); err == nil {
				err = post(client, base+"invocation/"+id+"/response", body, "")
			}
		}
		if err != nil {
			return fmt.Errorf("lambda runtime API: answering invocation %s: %w", id, err)
		}
	}
	return nil
}

// invoke calls the handler; a panic fails the invocation instead of the process.
func invoke(ctx context.Context, handler func(context.Context, json.RawMessage) (LambdaResult, error), payload []byte) (res LambdaResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return handler(ctx, payload)
}

// errorType names an error as aws-lambda-go did: its Go type, without the pointer.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

func post(client *http.Client, url string, body []byte, errType string) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if errType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return errors.New(resp.Status)
	}
	return nil
}
