/// Runs a program (found on `PATH`, no shell) and returns its exit status and what it wrote to
/// stdout. Its stderr is ours, so its prompts and messages reach the user; its stdin is ours only
/// when that is a terminal (a tool's JSON input on a pipe is not the child's to read).
public enum ChildProcess {
    public struct Outcome {
        /// The exit status, or 128 + the signal that ended it.
        public var status: Int32
        public var output: [UInt8]
    }

    /// Throws `ToolError.usage` naming the program when it cannot be started.
    public static func run(_ arguments: [String], environment: [String: String]) throws -> Outcome {
        guard let program = arguments.first else { throw ToolError.usage("no program to run") }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw ToolError.usage("cannot run '\(program)': \(errnoMessage())")
        }
        // Close-on-exec (Swift does not import pipe2): a process another thread starts meanwhile
        // must not hold this pipe open; the child gets its end as stdout.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        if isatty(0) == 0 { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        // posix_spawnp looks `program` up on the PATH of this process, which the tools take as theirs.
        var spawned = posix_spawnp(&pid, program, &actions, nil, argv, envp)
        // ETXTBSY passes: the program file is still open for writing, as a script just written is
        // in a child another thread forked before that child's exec closed the descriptor.
        for pause: useconds_t in [10_000, 50_000, 250_000] where spawned == ETXTBSY {
            usleep(pause)
            spawned = posix_spawnp(&pid, program, &actions, nil, argv, envp)
        }
        close(fds[1])
        defer { close(fds[0]) }
        guard spawned == 0 else {
            throw ToolError.usage("cannot run '\(program)': \(String(cString: strerror(spawned)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let signal = status & 0x7f
        return Outcome(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, output: output)
    }
}
