package notebook_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"asyncgo/kernel/notebook"
)

func msg(typ, content string) notebook.Message {
	return notebook.Message{Type: typ, Content: json.RawMessage(content)}
}

// outline describes outputs compactly: type, then name/text or text/plain.
func outline(outs []*notebook.Output) []string {
	var s []string
	for _, o := range outs {
		switch o.Type {
		case "stream":
			s = append(s, o.Name+":"+o.Text)
		case "error":
			s = append(s, "error:"+o.EName+":"+o.EValue)
		default:
			text, _ := o.Data["text/plain"].(string)
			s = append(s, o.Type+":"+text)
		}
	}
	return s
}

func TestRecorder(t *testing.T) {
	type step struct {
		cell int
		msgs []notebook.Message
	}
	tests := []struct {
		name  string
		steps []step
		want  [][]string // outline of cell 0 and cell 1 at the end
		count []any      // execution counts of cells 0 and 1
	}{
		{
			name: "streams merge by name",
			steps: []step{{0, []notebook.Message{
				msg("status", `{"execution_state":"busy"}`),
				msg("execute_input", `{"code":"x","execution_count":4}`),
				msg("stream", `{"name":"stdout","text":"a"}`),
				msg("stream", `{"name":"stdout","text":"b\n"}`),
				msg("stream", `{"name":"stderr","text":"e\n"}`),
				msg("stream", `{"name":"stdout","text":"c\n"}`),
				msg("status", `{"execution_state":"idle"}`),
			}}},
			want:  [][]string{{"stdout:ab\n", "stderr:e\n", "stdout:c\n"}, {}},
			count: []any{4, nil},
		},
		{
			name: "clear output now and on the next output",
			steps: []step{{0, []notebook.Message{
				msg("stream", `{"name":"stdout","text":"1\n"}`),
				msg("clear_output", `{"wait":false}`),
				msg("stream", `{"name":"stdout","text":"2\n"}`),
				msg("clear_output", `{"wait":true}`),
				msg("update_display_data", `{"data":{"text/plain":"u"},"metadata":{},"transient":{"display_id":"none"}}`),
				msg("display_data", `{"data":{"text/plain":"3"},"metadata":{}}`),
				msg("stream", `{"name":"stdout","text":"4\n"}`),
			}}},
			want:  [][]string{{"display_data:3", "stdout:4\n"}, {}},
			count: []any{nil, nil},
		},
		{
			name: "update_display_data replaces earlier outputs in every cell",
			steps: []step{
				{0, []notebook.Message{
					msg("display_data", `{"data":{"text/plain":"first"},"metadata":{},"transient":{"display_id":"d1"}}`),
					msg("execute_result", `{"data":{"text/plain":"r"},"metadata":{},"execution_count":1,"transient":{"display_id":"d1"}}`),
				}},
				{1, []notebook.Message{
					msg("update_display_data", `{"data":{"text/plain":"second"},"metadata":{"m":1},"transient":{"display_id":"d1"}}`),
					msg("display_data", `{"data":{"text/plain":"third"},"metadata":{},"transient":{"display_id":"d1"}}`),
				}},
			},
			want:  [][]string{{"display_data:third", "execute_result:third"}, {"display_data:third"}},
			count: []any{1, nil},
		},
		{
			name: "rerunning a cell forgets its display ids",
			steps: []step{
				{0, []notebook.Message{msg("display_data", `{"data":{"text/plain":"a"},"metadata":{},"transient":{"display_id":"d"}}`)}},
				{1, []notebook.Message{msg("stream", `{"name":"stdout","text":"x"}`)}},
				{0, []notebook.Message{msg("stream", `{"name":"stdout","text":"y"}`)}},
				{1, []notebook.Message{msg("update_display_data", `{"data":{"text/plain":"b"},"metadata":{},"transient":{"display_id":"d"}}`)}},
			},
			want:  [][]string{{"stdout:y"}, {}},
			count: []any{nil, nil},
		},
		{
			name: "errors and ignored messages",
			steps: []step{{1, []notebook.Message{
				msg("comm_open", `{"comm_id":"c"}`),
				msg("error", `{"ename":"panic","evalue":"boom","traceback":["goroutine 1"]}`),
			}}},
			want:  [][]string{{}, {"error:panic:boom"}},
			count: []any{nil, nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := notebook.New()
			nb.Cells = []*notebook.Cell{{Type: "code"}, {Type: "code"}}
			r := notebook.NewRecorder(nb)
			for _, s := range tt.steps {
				r.Start(s.cell)
				for _, m := range s.msgs {
					if err := r.Add(m); err != nil {
						t.Fatal(err)
					}
				}
			}
			for i, c := range nb.Cells {
				got := outline(c.Outputs)
				if got == nil {
					got = []string{}
				}
				if !reflect.DeepEqual(got, tt.want[i]) {
					t.Errorf("cell %d outputs = %q, want %q", i, got, tt.want[i])
				}
				var count any
				if c.ExecutionCount != nil {
					count = *c.ExecutionCount
				}
				if count != tt.count[i] {
					t.Errorf("cell %d execution count = %v, want %v", i, count, tt.count[i])
				}
			}
		})
	}
}

func TestRecorderUpdateKeepsMetadataAndDropsTransient(t *testing.T) {
	nb := notebook.New()
	nb.Cells = []*notebook.Cell{{ID: "c", Type: "code"}}
	r := notebook.NewRecorder(nb)
	r.Start(0)
	for _, m := range []notebook.Message{
		msg("display_data", `{"data":{"text/plain":"a"},"metadata":{},"transient":{"display_id":"d"}}`),
		msg("update_display_data", `{"data":{"text/plain":"b","text/html":"<b>b</b>"},"metadata":{"text/html":{"isolated":true}},"transient":{"display_id":"d"}}`),
	} {
		if err := r.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := notebook.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "recorder-update.golden.ipynb", got)
}

func TestRecorderErrors(t *testing.T) {
	nb := notebook.New()
	nb.Cells = []*notebook.Cell{{Type: "code"}}
	r := notebook.NewRecorder(nb)
	if err := r.Add(msg("stream", `{}`)); err == nil {
		t.Error("Add before Start succeeded")
	}
	r.Start(0)
	if err := r.Add(msg("display_data", `{"data":[1]}`)); err == nil {
		t.Error("display_data with an array as data was accepted")
	}
	if err := r.Add(msg("stream", `{"name":`)); err == nil {
		t.Error("invalid content JSON was accepted")
	}
}
