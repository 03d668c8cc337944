package channel_test

import (
	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"
)

func nullSecurity() zmq4.Security { return null.Security() }
