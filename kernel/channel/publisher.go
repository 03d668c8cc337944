package channel

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/go-zeromq/zmq4"

	"asyncgo/kernel/jupyter"
)

// Publisher is the iopub PUB socket. Its methods are safe for concurrent
// use.
type Publisher struct {
	srv    *server
	signer *jupyter.Signer

	dropped atomic.Uint64

	mu   sync.Mutex // guards subs and every subscription's fields
	subs map[*peer]*subscription
}

// subscription is the state of one subscriber.
type subscription struct {
	topics  map[string]struct{}
	dropped int              // messages dropped since the last notice
	last    *jupyter.Message // the last dropped message
}

func newPublisher(s *Sockets, signer *jupyter.Signer) *Publisher {
	p := &Publisher{signer: signer, subs: make(map[*peer]*subscription)}
	p.srv = &server{
		name: "iopub", typ: zmq4.Pub, queue: s.opts.IOPubQueue,
		attach: p.attach, detach: p.detach, handle: p.handle, written: p.written,
	}
	return p
}

func (p *Publisher) attach(pr *peer) bool {
	p.mu.Lock()
	p.subs[pr] = &subscription{topics: make(map[string]struct{})}
	p.mu.Unlock()
	return true
}

func (p *Publisher) detach(pr *peer) {
	p.mu.Lock()
	delete(p.subs, pr)
	p.mu.Unlock()
}

// handle records the subscribe (first byte 1) and unsubscribe (first byte
// 0) messages a SUB socket sends; anything else is ignored, as by PUB.
func (p *Publisher) handle(pr *peer, frames [][]byte) {
	if len(frames) != 1 || len(frames[0]) == 0 || frames[0][0] > 1 {
		return
	}
	topic := string(frames[0][1:])
	p.mu.Lock()
	defer p.mu.Unlock()
	sub := p.subs[pr]
	if sub == nil {
		return
	}
	if frames[0][0] == 1 {
		sub.topics[topic] = struct{}{}
	} else {
		delete(sub.topics, topic)
	}
}

func (sub *subscription) matches(topic []byte) bool {
	for t := range sub.topics {
		if len(t) <= len(topic) && string(topic[:len(t)]) == t {
			return true
		}
	}
	return false
}

// Publish signs m and queues it for every subscriber whose subscriptions
// match its topic, m.Identities[0], or m's msg_type when m has no
// identities. Publish never blocks. When a subscriber's queue is full
// (Options.IOPubQueue), the message is dropped for that subscriber and
// counted; as soon as its queue has room again it receives one stderr
// stream message, with the parent of the last dropped message, saying
// "[gokernel: N output messages dropped because the client is not
// reading]". Messages that cannot be encoded are logged and dropped.
func (p *Publisher) Publish(m *jupyter.Message) {
	frames, err := p.encode(m)
	if err != nil {
		p.srv.s.log.Error("dropping an iopub message", "err", err)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for pr, sub := range p.subs {
		if !sub.matches(frames[0]) {
			continue
		}
		if sub.dropped > 0 && cap(pr.out)-len(pr.out) >= 2 {
			p.notify(pr, sub)
		}
		if sub.dropped > 0 || !pr.enqueue(outgoing{frames: frames}) {
			sub.dropped++
			sub.last = m
			p.dropped.Add(1)
		}
	}
}

// Flush waits until the messages published before it have been written
// to every subscriber's connection, so that a reply sent next on another
// socket does not overtake them (a kernel's outputs come before its
// execute_reply, as clients expect). It returns ctx's error if ctx ends
// first; a subscriber whose queue is full is not waited for, so Flush
// with a deadline never stalls the kernel on a client that is not
// reading.
func (p *Publisher) Flush(ctx context.Context) error {
	type wait struct {
		pr     *peer
		result chan error
	}
	var waits []wait
	p.mu.Lock()
	for pr := range p.subs {
		w := wait{pr, make(chan error, 1)}
		if pr.enqueue(outgoing{result: w.result}) {
			waits = append(waits, w)
		}
	}
	p.mu.Unlock()
	for _, w := range waits {
		select {
		case <-w.result:
		case <-w.pr.done: // gone: nothing more will be written to it
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Dropped returns how many messages Publish has dropped for subscribers
// that did not keep up, in total since Listen.
func (p *Publisher) Dropped() uint64 { return p.dropped.Load() }

func (p *Publisher) encode(m *jupyter.Message) ([][]byte, error) {
	if len(m.Identities) == 0 {
		c := *m
		c.Identities = [][]byte{[]byte(m.Header.MsgType)}
		m = &c
	}
	frames, err := p.signer.Encode(m)
	if err != nil {
		return nil, fmt.Errorf("channel: iopub: %w", err)
	}
	return frames, nil
}

// written runs on a subscriber's writer goroutine after each write: the
// queue has room again, so a pending drop notice can go out.
func (p *Publisher) written(pr *peer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sub := p.subs[pr]; sub != nil && sub.dropped > 0 {
		p.notify(pr, sub)
	}
}

// notify queues the drop notice for a subscriber; p.mu must be held.
func (p *Publisher) notify(pr *peer, sub *subscription) {
	last := sub.last
	var parent *jupyter.Message
	if last.ParentHeader != nil {
		parent = &jupyter.Message{Header: *last.ParentHeader}
	}
	text := fmt.Sprintf("[gokernel: %d output messages dropped because the client is not reading]\n", sub.dropped)
	notice, err := jupyter.NewMessage(last.Header.Session, last.Header.Username, jupyter.Stream, parent,
		map[string]string{"name": "stderr", "text": text})
	if err != nil {
		return
	}
	frames, err := p.encode(notice)
	if err != nil {
		p.srv.s.log.Error("dropping the drop notice", "err", err)
		return
	}
	if pr.enqueue(outgoing{frames: frames}) {
		p.srv.s.log.Warn("iopub messages were dropped for a subscriber that is not reading", "dropped", sub.dropped)
		sub.dropped, sub.last = 0, nil
	}
}
