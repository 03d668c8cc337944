// Package frame defines how a cell program sends display messages to
// gokernel through its standard output, so that pictures and printed text
// keep the order in which the program produced them.
//
// The kernel starts each cell program with a fresh random token in the
// environment variable named by TokenEnv. A message is one line on standard
// output: the byte 0x1E, the word "gokernel:", the token, a space, a JSON
// encoding of Message, and a newline. Everything else on standard output is
// ordinary text. Without the token in the environment a program is not
// running under the kernel and should print text instead of frames.
package frame
