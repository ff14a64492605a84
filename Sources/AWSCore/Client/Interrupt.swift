import CSignals

/// SIGINT and SIGTERM set a flag instead of killing the process, so that a tool can cancel
/// what it started (export tasks, half-made key pairs) before it exits 130 or 143. The flag is a
/// C11 atomic (CSignals): worker threads read it while the handler writes it.
public enum Interrupt {
    /// The signal number received, or 0.
    public static var requested: Int32 {
        get { sandbox_interrupt_signal() }
        set { sandbox_interrupt_set(newValue) }
    }

    public static func install() {
        sandbox_interrupt_install()
        // A parent may hand them over blocked (Foundation's Process does): unblock, or they never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// Throws when a signal arrived, so long loops stop at the next safe point.
    public static func check() throws {
        if requested != 0 { throw ToolError.interrupted(requested) }
    }

    /// Runs the cleanup after an interrupt with the flag cleared, so that its requests are sent;
    /// the signal is restored afterwards (a second signal during the cleanup stays).
    public static func cleaningUp<T>(_ body: () throws -> T) rethrows -> T {
        let signal = requested
        requested = 0
        defer { if requested == 0 { requested = signal } }
        return try body()
    }

    /// Lets a create call in flight finish when a signal arrives (up to `seconds`), so that the
    /// caller learns what AWS made and can clean it up; the flag stays set, and the caller's next
    /// check ends the run. A signal before the call still keeps it from being sent.
    public static func lettingFinish<T>(_ http: HTTPClient, within seconds: Double = 30, _ body: () throws -> T)
        rethrows -> T
    {
        let saved = http.shouldAbort
        let deadline = monotonic() + seconds
        http.shouldAbort = { requested != 0 && monotonic() > deadline }
        defer { http.shouldAbort = saved }
        return try body()
    }

    /// Sleeps in short slices so that a signal ends the wait at once.
    public static func sleep(_ seconds: Double) throws {
        let end = monotonic() + seconds
        while true {
            try check()
            let left = end - monotonic()
            if left <= 0 { return }
            usleep(useconds_t(min(left, 0.05) * 1_000_000))
        }
    }
}
