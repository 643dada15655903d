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
//  2. bootstrap, one line that dot-sources the embedded bootstrap.ps1:
//     . ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('<b64>')))) '<nonce>'
//     reply: <nonce>:READY:<n>:<b64 of n bytes of UTF-8 JSON host facts>
//  3. one line per request:
//     Invoke-WurRequest '<b64 UTF-8 JSON {id,name,script,params,timeoutMs,checkMode}>'
//     reply: <nonce>:<id>:<n>:<b64 of n bytes of UTF-8 JSON envelope>
//
// The byte count n (an addition to DESIGN.md's frame) lets the reader
// allocate the decoded reply once and stream-decode base64 into it, so a
// 64 MiB result costs one buffer, not a growing line plus copies.
// Lines that do not start with "<nonce>:" are noise: kept, bounded, for
// diagnostics, never parsed. A reply for another id is a protocol error.
package ps
