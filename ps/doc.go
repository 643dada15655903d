// Package ps drives one persistent PowerShell process and exchanges
// structured requests and replies with it.
//
// Only this package knows about processes and framing. The protocol, all
// ASCII so that no console code page can corrupt it (LF and CRLF accepted):
//
//  1. language-mode probe, written by Go:
//     '<nonce>:MODE:' + $ExecutionContext.SessionState.LanguageMode
//     reply: <nonce>:MODE:<FullLanguage|ConstrainedLanguage|...>
//     Anything but FullLanguage stops the session with ErrConstrainedLanguage.
//     Budget: Options.ProcessStartTimeout, from process start.
//  2. bootstrap, one line that dot-sources the embedded bootstrap.ps1:
//     . ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('<b64>')))) '<nonce>' ['<b64 prelude>']
//     '<nonce>:END:0'
//     reply: <nonce>:READY:<n>:<b64 of n bytes of UTF-8 JSON host facts>
//     Budget: Options.BootstrapTimeout. The prelude is a test seam only.
//     END:0 before READY: the bootstrap failed (ErrNoReply, at once).
//  3. per request, two lines written at once:
//     Invoke-WurRequest '<b64 UTF-8 JSON {id,name,script,params,timeoutMs,checkMode[,inactivity]}>'
//     '<nonce>:END:<id>'
//     while the script runs, any number of progress frames:
//     <nonce>:<id>:P:<percent>
//     reply: <nonce>:<id>:<n>:<b64 of n bytes of UTF-8 JSON envelope>
//     then:  <nonce>:END:<id>
//     A progress frame (percent 0..100, written canonically) is sent by
//     the bootstrap when the PercentComplete of the script's Progress
//     stream changed; it polls the stream between waits of at most 1 s.
//     Records a script silences ($ProgressPreference SilentlyContinue)
//     never reach the stream. Go hands each frame to Request.OnProgress;
//     with Request.Inactivity ("inactivity": true) timeoutMs counts from
//     the last progress frame, in PowerShell and in Go's watchdog, not
//     from the start. A progress frame for another id, or outside a
//     request, is a protocol error.
//     After READY no line is executed, in either delivery: the bootstrap
//     reads stdin itself and dispatches the request, END, SYNC and exit
//     lines by their exact shape; any other line is ignored, on stderr.
//     The END line (before READY a string literal PowerShell echoes) is
//     echoed whatever became of the line before it. END before the reply
//     means no reply is coming: Invoke fails at once with ErrNoReply and
//     the host's stderr, read up to the marker that Go then asks for:
//     [Console]::Error.WriteLine('<nonce>:SYNC:<id>')
//     which the host answers once what it started for earlier lines (the
//     background runspace open included) is done.
//     The END after a reply is read at the start of the next exchange, so
//     it costs no latency. A reply with id "?" (the host could not decode
//     the request) is the reply to the request in flight.
//
// The byte count n (an addition to DESIGN.md's frame) is checked against
// the decoded length and Options.MaxReplyBytes; the reply buffer grows as
// bytes arrive, so a header never costs more memory than the data behind
// it (at most 8x). Lines that do not start with "<nonce>:" are noise:
// kept, bounded, for diagnostics, never parsed. A reply for another id is
// a protocol error.
//
// Deadlines: PowerShell stops a script at its timeout and answers
// "timedOut" (ErrTimeout, host kept). Go kills the host only at timeout +
// max(Options.Grace, timeout/10): Stop() cannot interrupt a blocked .NET
// or COM call, and the margin lets a call that returns late still answer.
//
// Bootstrap as a file (Options.BootstrapFile): the host runs FileArgs,
// -File <bootstrap.ps1> -Nonce <nonce> -Serve, and steps 1 and 2 happen
// without a line from Go: the bootstrap writes the MODE line, then READY,
// then serves step 3 exactly as in the -Command delivery.
//
// The bootstrap runs each request in a fresh runspace (opened in the
// background after the previous reply, or while a long request runs) and
// starts native commands with an empty stdin; see the
// comment at the top of scripts/bootstrap.ps1 and
// docs/real-engine-session.md for what the real-engine tests show.
package ps
