// Package jupyter implements the Jupyter messaging protocol, version 5.4,
// without any sockets: connection files, message headers, and the signed
// multipart wire format that kernels and clients exchange over ZeroMQ.
//
// A [Signer] turns a [Message] into the frames of the wire format and back,
// checking the HMAC signature of every message it decodes. Packages that own
// sockets (asyncgo/kernel/channel on the kernel side, asyncgo/kernel/client
// on the client side) build on it.
package jupyter
