/// SIGINT and SIGTERM set a flag instead of killing the process, so that a tool can cancel
/// what it started (export tasks, half-made key pairs) before it exits 130 or 143.
public enum Interrupt {
    /// The signal number received, or 0.
    nonisolated(unsafe) public static var requested: Int32 = 0

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { signal in Interrupt.requested = signal }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
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
