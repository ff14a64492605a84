/// SIGINT and SIGTERM set a flag instead of killing the process, so that a tool can cancel
/// what it started (export tasks, half-made key pairs) before it exits 130 or 143.
public enum Interrupt {
    /// The signal number received, or 0.
    nonisolated(unsafe) public static var requested: Int32 = 0

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { signal in Interrupt.requested = signal }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// Throws when a signal arrived, so long loops stop at the next safe point.
    public static func check() throws {
        if requested != 0 { throw ToolError.interrupted(requested) }
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
