"""The development kit: a local Slack stand-in, a signed-request simulator, the sandbox that serves the real
app against them, and the demo. Used by `programme-talks demo`, the tests and the benchmarks; never by `serve`."""
