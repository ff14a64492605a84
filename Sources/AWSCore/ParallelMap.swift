public extension Parallel {
    /// `forEach` that keeps what each item produced, in the items' order.
    static func map<State, T>(count: Int, workers: Int, setup: @escaping () throws -> State,
                              _ body: @escaping (State, Int) throws -> T) throws -> [T] {
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
