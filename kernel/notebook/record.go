package notebook

import (
	"encoding/json"
	"fmt"
)

// Message is one IOPub message sent by a kernel while it runs a cell:
// its header's msg_type and its content.
type Message struct {
	Type    string
	Content json.RawMessage
}

// Recorder turns the IOPub messages of executing cells into the cells'
// outputs, following nbclient:
//
//   - stream, display_data, execute_result and error messages append an
//     output; a stream message whose name matches the stream output just
//     before it is merged into that output, as JupyterLab shows them;
//   - clear_output removes the cell's outputs, or with wait set, removes
//     them when the next output arrives;
//   - a display_data, execute_result or update_display_data message with a
//     display_id in its transient data replaces the data and metadata of
//     every earlier output, in any cell, shown with that display_id;
//     update_display_data appends nothing. Display ids are not saved in
//     the notebook;
//   - execute_input and execute_result set the cell's execution count;
//   - other messages (status, comm messages) are ignored.
//
// Carriage returns and backspaces in streams are kept as they are, not
// applied to earlier text.
//
// A Recorder is used by one goroutine at a time.
type Recorder struct {
	nb           *Notebook
	cell         int
	clearPending bool
	displays     map[string][]outputRef
}

type outputRef struct{ cell, index int }

// NewRecorder returns a Recorder that writes outputs into nb's cells.
func NewRecorder(nb *Notebook) *Recorder {
	return &Recorder{nb: nb, cell: -1, displays: map[string][]outputRef{}}
}

// Start begins the execution of the cell at index: its outputs are
// removed and its execution count reset, and later messages are recorded
// into it.
func (r *Recorder) Start(index int) {
	r.cell = index
	r.clearPending = false
	c := r.nb.Cells[index]
	c.Outputs = []*Output{}
	c.ExecutionCount = nil
	r.forgetDisplays(index)
}

type messageContent struct {
	Name           string          `json:"name"`
	Text           string          `json:"text"`
	Data           json.RawMessage `json:"data"`
	Metadata       json.RawMessage `json:"metadata"`
	ExecutionCount *int            `json:"execution_count"`
	EName          string          `json:"ename"`
	EValue         string          `json:"evalue"`
	Traceback      []string        `json:"traceback"`
	Wait           bool            `json:"wait"`
	Transient      struct {
		DisplayID string `json:"display_id"`
	} `json:"transient"`
}

// Add records one message of the current cell's execution.
func (r *Recorder) Add(m Message) error {
	if r.cell < 0 {
		return fmt.Errorf("notebook: Recorder.Add before Start")
	}
	var c messageContent
	if len(m.Content) > 0 {
		if err := json.Unmarshal(m.Content, &c); err != nil {
			return fmt.Errorf("decoding %s message content: %w", m.Type, err)
		}
	}
	cell := r.nb.Cells[r.cell]
	switch m.Type {
	case "execute_input":
		if c.ExecutionCount != nil {
			cell.ExecutionCount = c.ExecutionCount
		}
		return nil
	case "clear_output":
		if c.Wait {
			r.clearPending = true
		} else {
			r.clearCell()
		}
		return nil
	case StreamOutput, ErrorOutput, DisplayDataOutput, ExecuteResultOutput, "update_display_data":
	default:
		return nil
	}

	var out *Output
	switch m.Type {
	case StreamOutput:
		out = &Output{Type: StreamOutput, Name: c.Name, Text: c.Text}
	case ErrorOutput:
		out = &Output{Type: ErrorOutput, EName: c.EName, EValue: c.EValue, Traceback: c.Traceback}
		if out.Traceback == nil {
			out.Traceback = []string{}
		}
	default:
		data, err := decodeObject(c.Data)
		if err != nil {
			return fmt.Errorf("decoding %s data: %w", m.Type, err)
		}
		meta, err := decodeObject(c.Metadata)
		if err != nil {
			return fmt.Errorf("decoding %s metadata: %w", m.Type, err)
		}
		out = &Output{Type: DisplayDataOutput, Data: MIMEBundle(data), Metadata: meta}
		if m.Type == ExecuteResultOutput {
			out.Type = ExecuteResultOutput
			out.ExecutionCount = c.ExecutionCount
			if c.ExecutionCount != nil {
				cell.ExecutionCount = c.ExecutionCount
			}
		}
		if id := c.Transient.DisplayID; id != "" {
			r.updateDisplay(id, out)
		}
		if m.Type == "update_display_data" {
			return nil
		}
	}

	if r.clearPending {
		r.clearCell()
	}
	if out.Type == StreamOutput && len(cell.Outputs) > 0 {
		last := cell.Outputs[len(cell.Outputs)-1]
		if last.Type == StreamOutput && last.Name == out.Name {
			last.Text += out.Text
			return nil
		}
	}
	if id := c.Transient.DisplayID; id != "" {
		r.displays[id] = append(r.displays[id], outputRef{r.cell, len(cell.Outputs)})
	}
	cell.Outputs = append(cell.Outputs, out)
	return nil
}

func (r *Recorder) clearCell() {
	r.clearPending = false
	r.nb.Cells[r.cell].Outputs = []*Output{}
	r.forgetDisplays(r.cell)
}

// forgetDisplays drops the display ids recorded for outputs of one cell.
func (r *Recorder) forgetDisplays(cell int) {
	for id, refs := range r.displays {
		kept := refs[:0]
		for _, ref := range refs {
			if ref.cell != cell {
				kept = append(kept, ref)
			}
		}
		if len(kept) == 0 {
			delete(r.displays, id)
		} else {
			r.displays[id] = kept
		}
	}
}

func (r *Recorder) updateDisplay(id string, from *Output) {
	for _, ref := range r.displays[id] {
		outs := r.nb.Cells[ref.cell].Outputs
		if ref.index < len(outs) {
			outs[ref.index].Data = cloneBundle(from.Data)
			outs[ref.index].Metadata = cloneMap(from.Metadata)
		}
	}
}

func decodeObject(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

func cloneBundle(b MIMEBundle) MIMEBundle {
	return MIMEBundle(cloneMap(b))
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
