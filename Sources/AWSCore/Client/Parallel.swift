/// Work spread over a few threads, for requests that are each slow on the server side (part
/// copies, per-Region listings). Each worker gets its own state from `setup` — in practice an
/// AWSClient sibling, since one connection cannot serve two threads. The first error stops the
/// hand-out of new items and is rethrown once every worker has finished.
public enum Parallel {
    /// `body(state, i)` for every i in 0..<count, on up to `workers` threads.
    public static func forEach<State>(
        count: Int, workers: Int, setup: @escaping () throws -> State,
        _ body: @escaping (State, Int) throws -> Void
    ) throws {
        guard count > 0 else { return }
        let queue = WorkQueue(count: count)
        let worker = {
            do {
                let state = try setup()
                while let index = queue.next() { try body(state, index) }
            } catch {
                queue.fail(error)
            }
        }
        var threads: [pthread_t] = []
        for _ in 1..<max(1, min(workers, count)) {
            let box = Unmanaged.passRetained(Runnable(worker)).toOpaque()
            var thread = pthread_t()
            if pthread_create(
                &thread, nil,
                { context in
                    Unmanaged<Runnable>.fromOpaque(context!).takeRetainedValue().run()
                    return nil
                }, box) == 0
            {
                threads.append(thread)
            } else {
                Unmanaged<Runnable>.fromOpaque(box).release()  // fewer threads; the others share the work
            }
        }
        worker()  // the calling thread works too
        for t in threads { pthread_join(t, nil) }
        if let error = queue.error() { throw error }
    }
}

private final class Runnable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// The hand-out of indices and the first error, under one mutex.
private final class WorkQueue {
    private let lock = Lock()
    private var nextIndex = 0
    private let count: Int
    private var failure: Error?

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.locked {
            guard failure == nil, nextIndex < count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }
    }

    func fail(_ e: Error) { lock.locked { if failure == nil { failure = e } } }

    func error() -> Error? { lock.locked { failure } }
}

public extension Parallel {
    /// `forEach` that keeps what each item produced, in the items' order.
    static func map<State, T>(
        count: Int, workers: Int, setup: @escaping () throws -> State,
        _ body: @escaping (State, Int) throws -> T
    ) throws -> [T] {
        // Each slot is written by exactly one thread and read after every thread was joined.
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        _ = slots.initialize(from: repeatElement(nil, count: count))
        defer {
            _ = slots.deinitialize()
            slots.deallocate()
        }
        try forEach(count: count, workers: workers, setup: setup) { state, i in slots[i] = try body(state, i) }
        return slots.map { $0! }
    }
}
