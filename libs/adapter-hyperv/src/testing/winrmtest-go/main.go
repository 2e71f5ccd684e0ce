// A loopback WinRM server from github.com/dylanmei/winrmtest, the test server of the Go WinRM
// client (masterzen/winrm): a third-party WS-Management shell implementation for the Hyper-V
// adapter's client to talk to. Commands and their output come from a JSON file (argument 1):
// [{"pattern": "<Go regexp on the rsp:Command text>", "stdout": "...", "exitCode": 0}].
// It prints "listening <url>" and runs until stdin closes or SIGTERM.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/dylanmei/winrmtest"
)

type command struct {
	Pattern  string `json:"pattern"`
	Stdout   string `json:"stdout"`
	ExitCode int    `json:"exitCode"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: winrmtest-peer COMMANDS.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var commands []command
	if err := json.Unmarshal(data, &commands); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	remote := winrmtest.NewRemote() // httptest: 127.0.0.1 on a free port
	defer remote.Close()
	for _, c := range commands {
		c := c
		remote.CommandFunc(winrmtest.MatchPattern(c.Pattern), func(out, _ io.Writer) int {
			_, _ = io.WriteString(out, c.Stdout)
			return c.ExitCode
		})
	}
	fmt.Printf("listening http://%s:%d/wsman\n", remote.Host, remote.Port)

	done := make(chan os.Signal, 1)
	signal.Notify(done, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- syscall.SIGTERM
	}()
	<-done
}
