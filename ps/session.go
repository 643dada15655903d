package ps

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bhendo/go-powershell/backend"
)

// Options configure a Session. Zero values take the defaults below.
type Options struct {
	Exe       string          // PowerShell executable (see Locator)
	Args      []string        // default: Args()
	Starter   backend.Starter // default: LocalStarter with ANSI escapes suppressed
	Bootstrap string          // text of bootstrap.ps1 (required unless BootstrapFile)
	// BootstrapFile, when set, is the path of bootstrap.ps1 as a file,
	// which the host runs with -File (FileArgs) instead of decoding the
	// text from a base64 line: endpoint protection flags a base64 string
	// turned into a script block, and AppLocker/WDAC can allow a file (by
	// path, hash or signature). The caller writes it to a folder only
	// SYSTEM and Administrators can write. Args is then ignored.
	BootstrapFile string
	// Prelude is a test seam: PowerShell run in the script runspace before
	// every request, where tests define doubles of Windows-only commands.
	// wurepair never sets it.
	Prelude string

	// Startup has two budgets, each enough for a cold Windows PowerShell
	// 5.1 start on a machine busy with .NET servicing (ngen after a
	// cumulative update can take minutes): process start to the MODE
	// answer, then the bootstrap to READY.
	ProcessStartTimeout time.Duration // default 3m
	BootstrapTimeout    time.Duration // default 2m

	DefaultTimeout time.Duration // per request when Request.Timeout is 0; default 2m
	// Grace is the least margin added to a request's timeout before Go
	// kills the host: the margin is max(Grace, timeout/10). PowerShell
	// stops a script at its timeout itself and answers "timedOut"; but
	// Stop() waits for a .NET or COM call in progress to return, and the
	// margin is what lets it. Default 30s (tests use less).
	Grace         time.Duration
	CloseGrace    time.Duration // how long Close waits for a clean exit; default 3s
	MaxReplyBytes int           // largest decoded reply; default 512 MiB (128 MiB in 32-bit builds)
	TailBytes     int           // stderr and noise kept for diagnostics; default 64 KiB each
}

// defaultMaxReply is the largest reply accepted by default: lower in a
// 32-bit process, whose 2 GiB of address space also holds the reply's
// base64 text in flight and the decoded objects.
func defaultMaxReply() int {
	if math.MaxInt == math.MaxInt32 {
		return 128 << 20
	}
	return 512 << 20
}

// killMargin is how long after a request's timeout Go kills the host.
func (o *Options) killMargin(timeout time.Duration) time.Duration {
	return max(o.Grace, timeout/10)
}

func (o *Options) defaults() {
	if o.Args == nil {
		o.Args = Args()
	}
	if o.Starter == nil {
		o.Starter = &LocalStarter{Env: []string{"__SuppressAnsiEscapeSequences=1"}}
	}
	if o.ProcessStartTimeout <= 0 {
		o.ProcessStartTimeout = 3 * time.Minute
	}
	if o.BootstrapTimeout <= 0 {
		o.BootstrapTimeout = 2 * time.Minute
	}
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = 2 * time.Minute
	}
	if o.Grace <= 0 {
		o.Grace = 30 * time.Second
	}
	if o.CloseGrace <= 0 {
		o.CloseGrace = 3 * time.Second
	}
	if o.MaxReplyBytes <= 0 {
		o.MaxReplyBytes = defaultMaxReply()
	}
	if o.TailBytes <= 0 {
		o.TailBytes = 64 << 10
	}
}

// Request is one script run. Params are data: they travel as JSON values and
// are bound with AddParameters, never spliced into script text.
type Request struct {
	Name      string
	Script    string
	Params    map[string]any
	Timeout   time.Duration
	CheckMode bool // sets $WhatIfPreference in the script's runspace
	// Inactivity makes Timeout the longest time the script may go without
	// reporting progress (a progress frame restarts it, in PowerShell and
	// in Go's watchdog) instead of the longest it may run: for long
	// operations that report progress, such as Repair-WindowsImage.
	Inactivity bool
	// OnProgress, when set, is called with each progress frame's percent
	// (0..100) while the script runs: the script's Write-Progress
	// PercentComplete, sent by the bootstrap when it changes. It is called
	// on the goroutine reading the host's output: it must return quickly.
	OnProgress func(percent int)
}

// HostFacts is what the bootstrap reports about the machine and the host.
type HostFacts struct {
	PSVersion        string `json:"psVersion"`
	PSEdition        string `json:"psEdition"`
	LanguageMode     string `json:"languageMode"`
	Is64BitProcess   bool   `json:"is64BitProcess"`
	Is64BitOS        bool   `json:"is64BitOS"`
	IsAdmin          bool   `json:"isAdmin"`
	OSVersion        string `json:"osVersion"`
	OSBuild          int    `json:"osBuild"`
	OSUBR            int    `json:"osUbr"`
	InstallationType string `json:"installationType"`
	Culture          string `json:"culture"`
	UICulture        string `json:"uiCulture"`
	PID              int    `json:"pid"`
	// LockdownPolicy is PowerShell's system lockdown policy (WDAC/AppLocker):
	// None, Audit or Enforce. ExecutionPolicyMachine/User are the Group
	// Policy execution policies (Get-ExecutionPolicy -Scope MachinePolicy /
	// UserPolicy; Undefined when not configured). See CheckPolicy.
	LockdownPolicy         string `json:"lockdownPolicy"`
	ExecutionPolicyMachine string `json:"executionPolicyMachine"`
	ExecutionPolicyUser    string `json:"executionPolicyUser"`
}

// Session is one PowerShell host, restarted on demand after it dies or is
// killed. Invoke is safe for concurrent callers: requests are serialized.
type Session struct {
	opts      Options
	sem       chan struct{} // one request at a time
	done      chan struct{} // closed by Close
	closeOnce sync.Once

	mu     sync.Mutex // guards cur, last, facts, starts, busy
	cur    *conn
	last   *conn // the host before cur, kept for its diagnostics
	facts  HostFacts
	starts int
	busy   *watchdog // the exchange in flight, so that Close can interrupt it
	nextID uint64    // only touched while holding sem
}

// New validates opts; no process starts until Start or the first Invoke.
func New(opts Options) (*Session, error) {
	if opts.Exe == "" {
		return nil, fmt.Errorf("%w: no executable given", ErrNotFound)
	}
	if opts.Bootstrap == "" && opts.BootstrapFile == "" {
		return nil, errors.New("ps: Options.Bootstrap is empty")
	}
	opts.defaults()
	return &Session{opts: opts, sem: make(chan struct{}, 1), done: make(chan struct{})}, nil
}

// Start starts the host now (Invoke would otherwise start it lazily) and
// returns its facts.
func (s *Session) Start(ctx context.Context) (HostFacts, error) {
	if err := s.acquire(ctx); err != nil {
		return HostFacts{}, err
	}
	defer s.release()
	if _, err := s.ensure(ctx); err != nil {
		return HostFacts{}, err
	}
	return s.Facts(), nil
}

// Facts returns the facts of the current (or last) host.
func (s *Session) Facts() HostFacts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.facts
}

// Starts counts how many hosts this session has started.
func (s *Session) Starts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts
}

// Diagnostics returns the kept tails of the current host's stderr and noise,
// or of the last host when it was dropped (killed, died) since.
func (s *Session) Diagnostics() (stderr, noise []byte) {
	s.mu.Lock()
	c := s.cur
	if c == nil {
		c = s.last
	}
	s.mu.Unlock()
	if c == nil {
		return nil, nil
	}
	return c.stderr.Bytes(), c.noise.Bytes()
}

func (s *Session) acquire(ctx context.Context) error {
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	select {
	case s.sem <- struct{}{}:
		select {
		case <-s.done:
			<-s.sem
			return ErrClosed
		default:
			return nil
		}
	case <-ctx.Done():
		return fmt.Errorf("waiting for the PowerShell session: %w", ctx.Err())
	case <-s.done:
		return ErrClosed
	}
}

func (s *Session) release() { <-s.sem }

// ensure returns the live host, starting one if needed. Caller holds sem.
func (s *Session) ensure(ctx context.Context) (*conn, error) {
	s.mu.Lock()
	c := s.cur
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, facts, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cur, s.facts = c, facts
	s.starts++
	s.mu.Unlock()
	return c, nil
}

// drop forgets a host that must not be used again, killing it.
func (s *Session) drop(c *conn) {
	c.kill()
	s.mu.Lock()
	if s.cur == c {
		s.cur = nil
	}
	s.last = c
	s.mu.Unlock()
}

// Invoke runs one script and returns its reply. A script that ran and
// reported errors is not an Invoke error: see Result.Err. Invoke's own
// errors match ErrTimeout, ErrHostDied, ErrNoReply, ErrProtocol,
// ErrClosed, ErrConstrainedLanguage, ErrNotFound or a context error.
func (s *Session) Invoke(ctx context.Context, req Request) (Result, error) {
	if req.Name == "" || req.Script == "" {
		return Result{}, errors.New("ps: request needs a name and a script")
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = s.opts.DefaultTimeout
	}
	if err := s.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer s.release()
	s.nextID++
	id := strconv.FormatUint(s.nextID, 10)
	line, err := requestLine(id, req, timeout)
	if err != nil {
		return Result{}, err
	}
	// A request that never reached the host may be retried once on a fresh
	// one; a request that was written is never retried (it may have acted).
	for attempt := 0; ; attempt++ {
		c, err := s.ensure(ctx)
		if err != nil {
			return Result{}, err
		}
		margin := s.opts.killMargin(timeout)
		prog := &progressSink{inactivity: req.Inactivity, onProgress: req.OnProgress}
		f, written, err := s.exchange(ctx, c, line, id, req.Name, timeout+margin, id, prog)
		var te *TimeoutError
		if errors.As(err, &te) {
			te.Timeout, te.Margin, te.Inactivity = timeout, margin, req.Inactivity
		}
		if err != nil {
			if !written && attempt == 0 && ctx.Err() == nil && !errors.Is(err, ErrClosed) {
				continue
			}
			return Result{}, err
		}
		res, err := decodeEnvelope(f.payload)
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", req.Name, err)
		}
		res.ID, res.Script = id, req.Name
		if res.TimedOut {
			return res, &TimeoutError{Script: req.Name, Timeout: timeout, Inactivity: req.Inactivity, StderrTail: tail(c.stderr.Bytes(), 2048)}
		}
		return res, nil
	}
}

// exchange writes one line and waits for the reply with id; the host is
// killed if none came within deadline. written reports whether the whole
// line reached the host. With endID, the line is followed by an END line,
// which the host echoes whatever became of the line before it: END before
// the reply means there will be none (ErrNoReply, at once, not after the
// timeout). Requests use their id; the bootstrap uses bootstrapEndID. The
// END of a line that was answered is read lazily, at the start of the next
// exchange, so that it costs the reply no latency.
//
// The calling goroutine writes and reads the pipes itself: a reply costs no
// goroutine handoff, which is most of a small request's latency. A watchdog
// (timeout, ctx, Close) interrupts a blocked write or read by killing the
// host, which closes the pipes; when it fired, its reason is the outcome.
func (s *Session) exchange(ctx context.Context, c *conn, line []byte, id, during string, deadline time.Duration, endID string, prog *progressSink) (frame, bool, error) {
	request := endID != "" && endID == id
	if err := ctx.Err(); err != nil {
		// Nothing was written: the host is idle and stays usable.
		return frame{}, false, interrupted(during, err)
	}
	select {
	case <-c.exited:
		// Died while idle: found before anything was written, so the
		// request can go to a fresh host.
		s.drop(c)
		return frame{}, false, c.died(during, errors.New("the idle host had exited before the request was written"))
	default:
	}
	if endID != "" {
		line = append(line, endLine(c.nonce, endID)...)
	}
	w := s.arm(ctx, c, deadline)
	var onProgress func(frame) error
	if prog != nil {
		onProgress = func(f frame) error {
			if f.id != id {
				return &ProtocolError{Detail: fmt.Sprintf("progress for id %q while waiting for %q (%s)", f.id, id, during)}
			}
			if prog.inactivity {
				w.restart(deadline)
			}
			if prog.onProgress != nil {
				prog.onProgress(f.percent)
			}
			return nil
		}
	}
	f, written, err := c.roundTrip(line, w, onProgress)
	why := w.disarm()
	if why != 0 {
		// fire may still be killing c on its own goroutine: wait for that
		// (kill runs once) and forget c here, so that the next request
		// never gets a host that is about to die under it.
		s.drop(c)
	}
	switch why {
	case whyTimeout:
		return frame{}, written, &TimeoutError{Script: during, Timeout: deadline, Killed: true, StderrTail: c.stderrTail()}
	case whyContext:
		return frame{}, written, interrupted(during, ctx.Err())
	case whyClosed:
		return frame{}, written, ErrClosed
	}
	if err != nil {
		s.drop(c)
		if !written {
			return frame{}, false, c.died(during, fmt.Errorf("request not delivered: %w", err))
		}
		var pe *ProtocolError
		if errors.As(err, &pe) {
			return frame{}, true, fmt.Errorf("%s: %w", during, pe)
		}
		return frame{}, true, c.died(during, err)
	}
	if endID != "" && f.id == "END" && f.end == endID {
		return frame{}, true, &NoReplyError{Script: during, StderrTail: c.syncStderr(endID)}
	}
	if f.id != id && !(request && f.id == "?") {
		s.drop(c)
		return frame{}, true, &ProtocolError{Detail: fmt.Sprintf("reply for id %q while waiting for %q (%s)", f.id, id, during)}
	}
	if endID != "" {
		c.owedEnd = endID
	}
	return f, true, nil
}

// progressSink is what an exchange does with progress frames for its
// request.
type progressSink struct {
	inactivity bool // each frame restarts the watchdog's deadline
	onProgress func(percent int)
}

func interrupted(during string, err error) error {
	return fmt.Errorf("%s interrupted, PowerShell stopped: %w", during, err)
}

// Why a watchdog fired.
const (
	whyTimeout int32 = 1 + iota
	whyContext
	whyClosed
)

// watchdog kills the host of one exchange when its time is up, its context
// ends or the session closes, unless disarmed first.
type watchdog struct {
	s     *Session
	c     *conn
	state atomic.Int32  // 0 armed, -1 disarmed, else why it fired
	fired chan struct{} // closed when it fires; only for conns without inline I/O
	timer *time.Timer
	stop  func() bool // stops the context.AfterFunc
}

func (s *Session) arm(ctx context.Context, c *conn, deadline time.Duration) *watchdog {
	w := &watchdog{s: s, c: c}
	if !c.inline {
		w.fired = make(chan struct{})
	}
	w.timer = time.AfterFunc(deadline, func() { w.fire(whyTimeout) })
	w.stop = context.AfterFunc(ctx, func() { w.fire(whyContext) })
	s.mu.Lock()
	s.busy = w
	s.mu.Unlock()
	select {
	case <-s.done: // Close ran before busy was set
		w.fire(whyClosed)
	default:
	}
	return w
}

func (w *watchdog) fire(why int32) {
	if w.state.CompareAndSwap(0, why) {
		w.s.drop(w.c)
		if w.fired != nil {
			close(w.fired)
		}
	}
}

// restart sets the deadline to d from now, unless the watchdog fired or
// was disarmed: an inactivity timeout, restarted by each progress frame.
func (w *watchdog) restart(d time.Duration) {
	if w.state.Load() == 0 {
		w.timer.Reset(d)
	}
}

// disarm returns 0, or why the watchdog fired (the host is then killed).
func (w *watchdog) disarm() int32 {
	w.timer.Stop()
	w.stop()
	w.s.mu.Lock()
	if w.s.busy == w {
		w.s.busy = nil
	}
	w.s.mu.Unlock()
	if w.state.CompareAndSwap(0, -1) {
		return 0
	}
	return w.state.Load()
}

// Close asks the host to exit, kills it after CloseGrace, and makes every
// later call fail with ErrClosed. An Invoke in flight is interrupted.
func (s *Session) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	w := s.busy
	s.mu.Unlock()
	if w != nil {
		w.fire(whyClosed)
	}
	s.sem <- struct{}{}
	defer s.release()
	s.mu.Lock()
	c := s.cur
	s.cur = nil
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.shutdown(s.opts.CloseGrace)
}

func (s *Session) start(ctx context.Context) (*conn, HostFacts, error) {
	nonce, err := newNonce()
	if err != nil {
		return nil, HostFacts{}, err
	}
	c, err := dial(s.opts, nonce)
	if err != nil {
		return nil, HostFacts{}, err
	}
	// -File delivery: the bootstrap answers the probe and sends READY by
	// itself; nothing is written until the first request.
	probe, boot, bootEnd := modeLine(nonce), bootstrapLine(s.opts.Bootstrap, nonce, s.opts.Prelude), bootstrapEndID
	if s.opts.BootstrapFile != "" {
		probe, boot, bootEnd = nil, nil, ""
	}
	mode, err := s.exchangeStartup(ctx, c, probe, "MODE", "", s.opts.ProcessStartTimeout)
	if err != nil {
		return nil, HostFacts{}, err
	}
	if mode.mode != "FullLanguage" {
		_ = c.shutdown(0)
		return nil, HostFacts{}, &ConstrainedLanguageError{Mode: mode.mode}
	}
	// A bootstrap that fails (a parse error in an older PowerShell, a
	// throw) is known at once from its END line, not after the budget.
	ready, err := s.exchangeStartup(ctx, c, boot, "READY", bootEnd, s.opts.BootstrapTimeout)
	if err != nil {
		return nil, HostFacts{}, err
	}
	var facts HostFacts
	if err := json.Unmarshal(ready.payload, &facts); err != nil {
		c.kill()
		return nil, HostFacts{}, &ProtocolError{Detail: fmt.Sprintf("host facts are not valid JSON: %v", err)}
	}
	return c, facts, nil
}

// exchangeStartup runs one startup step within its own budget (no margin:
// nothing inside PowerShell stops a startup step by itself).
func (s *Session) exchangeStartup(ctx context.Context, c *conn, line []byte, want, endID string, budget time.Duration) (frame, error) {
	f, _, err := s.exchange(ctx, c, line, want, "startup ("+want+")", budget, endID, nil)
	if err != nil {
		c.kill()
		s.mu.Lock()
		s.last = c
		s.mu.Unlock()
	}
	return f, err
}

func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Protocol lines. Only the nonce (hex) and base64 text are ever placed in
// them; neither can contain a quote.
func modeLine(nonce string) []byte {
	return []byte("'" + nonce + ":MODE:' + $ExecutionContext.SessionState.LanguageMode\r\n")
}

// bootstrapEndID is the END id that follows the bootstrap line; request ids
// start at 1.
const bootstrapEndID = "0"

// endLine follows every request: a string literal, which PowerShell echoes
// even when the request line before it failed to parse or threw.
func endLine(nonce, id string) []byte {
	return []byte("'" + nonce + ":END:" + id + "'\r\n")
}

// FileArgs are the flags of a host that runs the bootstrap as a file
// (Options.BootstrapFile): it reads the request lines itself (-Serve).
func FileArgs(path, nonce, prelude string) []string {
	args := []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", path, "-Nonce", nonce, "-Serve"}
	if prelude != "" {
		args = append(args, "-Prelude", base64.StdEncoding.EncodeToString([]byte(prelude)))
	}
	return args
}

func bootstrapLine(script, nonce, prelude string) []byte {
	b64 := base64.StdEncoding.EncodeToString([]byte(script))
	line := ". ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" + b64 + "')))) '" + nonce + "'"
	if prelude != "" {
		line += " '" + base64.StdEncoding.EncodeToString([]byte(prelude)) + "'"
	}
	return []byte(line + "\r\n")
}

// wireRequest is the JSON inside a request line.
type wireRequest struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Script    string         `json:"script"`
	Params    map[string]any `json:"params"`
	TimeoutMs int64          `json:"timeoutMs"`
	CheckMode bool           `json:"checkMode"`
	// Inactivity: timeoutMs counts from the last progress, not the start.
	Inactivity bool `json:"inactivity,omitempty"`
}

func requestLine(id string, req Request, timeout time.Duration) ([]byte, error) {
	params := req.Params
	if params == nil {
		params = map[string]any{}
	}
	js, err := json.Marshal(wireRequest{ID: id, Name: req.Name, Script: req.Script, Params: params,
		TimeoutMs: timeout.Milliseconds(), CheckMode: req.CheckMode, Inactivity: req.Inactivity})
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", req.Name, err)
	}
	const head, tail = "Invoke-WurRequest '", "'\r\n"
	n := len(head) + base64.StdEncoding.EncodedLen(len(js)) + len(tail)
	// Room for the END line, appended per host (its nonce) without a copy.
	line := make([]byte, n, n+len("'':END:\r\n")+32+maxIDLen)
	copy(line, head)
	base64.StdEncoding.Encode(line[len(head):], js)
	copy(line[len(line)-len(tail):], tail)
	return line, nil
}

// conn is one running host process.
type conn struct {
	nonce string
	// owedEnd is the id of the last answered request, whose END line the
	// host still has to echo; the next exchange reads past it.
	owedEnd string
	proc    backend.Waiter
	stdin   io.Writer
	pipes   []io.Reader
	fr      *frameReader // stdout; read only by the exchange in flight
	// inline: stdin and stdout can be closed, so a write or read blocked on
	// them ends when the host is killed, and exchange may do them on its
	// own goroutine. Otherwise (a Starter with pipes that cannot be closed)
	// they run on goroutines that a killed exchange abandons.
	inline bool

	stderrDone chan struct{}
	exited     chan struct{} // process reaped; exitErr is Wait's result
	exitErr    error

	stderr *ring
	noise  *ring

	writeMu  sync.Mutex
	killOnce sync.Once
}

func dial(o Options, nonce string) (*conn, error) {
	args := o.Args
	if o.BootstrapFile != "" {
		args = FileArgs(o.BootstrapFile, nonce, o.Prelude)
	}
	proc, stdin, stdout, stderr, err := o.Starter.StartProcess(o.Exe, args...)
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		return nil, &HostDiedError{During: "startup", ExitCode: -1, Cause: err}
	}
	_, inClose := stdin.(io.Closer)
	_, outClose := stdout.(io.Closer)
	c := &conn{
		nonce: nonce,
		proc:  proc, stdin: stdin, pipes: []io.Reader{stdout, stderr},
		inline:     inClose && outClose,
		stderrDone: make(chan struct{}),
		exited:     make(chan struct{}),
		stderr:     newRing(o.TailBytes),
		noise:      newRing(o.TailBytes),
	}
	c.fr = newFrameReader(stdout, nonce, o.MaxReplyBytes, c.noise)
	go func() {
		defer close(c.stderrDone)
		_, _ = io.Copy(c.stderr, stderr)
	}()
	go func() {
		defer close(c.exited)
		c.exitErr = proc.Wait()
	}()
	return c, nil
}

// roundTrip writes line and reads the next frame that is not a progress
// frame, handing those to onProgress (nil: a progress frame is a protocol
// error); written reports whether the whole line was written. Only the
// watchdog's owner calls it.
func (c *conn) roundTrip(line []byte, w *watchdog, onProgress func(frame) error) (f frame, written bool, err error) {
	if c.inline {
		if err := c.write(line); err != nil {
			return frame{}, false, err
		}
		f, err := c.reply(onProgress)
		return f, true, err
	}
	wrote := make(chan error, 1)
	go func() { wrote <- c.write(line) }()
	select {
	case err := <-wrote:
		if err != nil {
			return frame{}, false, err
		}
	case <-w.fired:
		return frame{}, false, ErrClosed
	}
	type reply struct {
		f   frame
		err error
	}
	got := make(chan reply, 1)
	go func() {
		f, err := c.reply(onProgress)
		got <- reply{f, err}
	}()
	select {
	case r := <-got:
		return r.f, true, r.err
	case <-w.fired:
		return frame{}, true, ErrClosed
	}
}

// reply returns the next frame that is not a progress frame, handing
// those to onProgress.
func (c *conn) reply(onProgress func(frame) error) (frame, error) {
	for {
		f, err := c.next()
		if err != nil || !f.progress {
			return f, err
		}
		if onProgress == nil {
			return frame{}, &ProtocolError{Detail: fmt.Sprintf("unexpected progress frame for id %q", f.id)}
		}
		if err := onProgress(f); err != nil {
			return frame{}, err
		}
	}
}

// next returns the next frame that is not the END line of the request
// answered before.
func (c *conn) next() (frame, error) {
	for {
		f, err := c.fr.next()
		if err == nil && f.id == "END" && c.owedEnd != "" && f.end == c.owedEnd {
			c.owedEnd = ""
			continue
		}
		return f, err
	}
}

// syncStderr returns the stderr tail once everything the host wrote to
// stderr before it echoed the END line of id has been read: it asks the
// host to write a marker to stderr and waits (bounded) for it.
func (c *conn) syncStderr(id string) string {
	marker := c.nonce + ":SYNC:" + id
	if err := c.write([]byte("[Console]::Error.WriteLine('" + marker + "')\r\n")); err == nil {
		c.stderr.waitFor([]byte(marker), 2*time.Second)
	}
	return cleanTail(c.stderr.Bytes(), c.nonce)
}

// stderrTail returns the stderr tail of a host that was killed, once its
// stderr reached EOF (bounded: a grandchild may hold the pipe).
func (c *conn) stderrTail() string {
	t := time.NewTimer(500 * time.Millisecond)
	defer t.Stop()
	select {
	case <-c.stderrDone:
	case <-t.C:
	}
	return cleanTail(c.stderr.Bytes(), c.nonce)
}

// cleanTail is the last 2 KiB of stderr without our own marker lines.
func cleanTail(b []byte, nonce string) string {
	var out []byte
	for line := range bytes.Lines(b) {
		if !bytes.Contains(line, []byte(nonce+":SYNC:")) {
			out = append(out, line...)
		}
	}
	return strings.TrimRight(tail(out, 2048), "\r\n")
}

func (c *conn) write(line []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.stdin.Write(line)
	return err
}

// kill ends the host at once, children included where the starter allows.
func (c *conn) kill() {
	c.killOnce.Do(func() {
		if k, ok := c.proc.(interface{ Kill() error }); ok {
			_ = k.Kill()
		}
		closeIfCloser(c.stdin)
		// Unblock readers even if a grandchild still holds the pipes.
		for _, p := range c.pipes {
			closeIfCloser(p)
		}
	})
}

// shutdown asks the host to exit and kills it after grace.
func (c *conn) shutdown(grace time.Duration) error {
	if grace > 0 {
		// Nobody reads stdout between requests: drain it now, so that a
		// host blocked writing to it can read "exit". kill ends this.
		go func() { _, _ = io.Copy(c.noise, c.fr.br) }()
		_ = c.write([]byte("exit\r\n"))
		closeIfCloser(c.stdin)
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-c.exited:
			c.kill()
			return nil
		case <-t.C:
		}
	}
	c.kill()
	<-c.exited
	return nil
}

// died builds the error for a host whose stdout ended: it waits briefly for
// the exit code and the last of stderr, which is what an admin needs to see.
func (c *conn) died(during string, cause error) error {
	exitWait := time.NewTimer(2 * time.Second)
	defer exitWait.Stop()
	select {
	case <-c.exited:
	case <-exitWait.C:
		c.kill()
		<-c.exited
	}
	drainWait := time.NewTimer(500 * time.Millisecond)
	defer drainWait.Stop()
	select {
	case <-c.stderrDone:
	case <-drainWait.C:
	}
	if errors.Is(cause, io.EOF) && !errors.Is(cause, errCutShort) {
		cause = nil
	}
	return &HostDiedError{During: during, ExitCode: exitCode(c.exitErr), StderrTail: cleanTail(c.stderr.Bytes(), c.nonce), Cause: cause}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func closeIfCloser(x any) {
	if cl, ok := x.(io.Closer); ok {
		_ = cl.Close()
	}
}
