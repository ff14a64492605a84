import Testing
@testable import AWSCore

struct ParallelTests {
    @Test func mapKeepsTheItemsOrder() throws {
        let squares = try Parallel.map(count: 100, workers: 4, setup: { 0 }) { _, i in i * i }
        #expect(squares == (0..<100).map { $0 * $0 })
        #expect(try Parallel.map(count: 0, workers: 4, setup: { 0 }) { _, i in i }.isEmpty)
    }

    @Test func everyItemRunsExactlyOnceAcrossTheWorkers() throws {
        let counter = Counter()
        try Parallel.forEach(count: 50, workers: 3, setup: { counter.add() }) { _, i in counter.mark(i) }
        #expect(counter.marked == Array(0..<50))
        // One state per worker, never more workers than asked.
        #expect((1...3).contains(counter.setups))
    }

    @Test func theFirstErrorIsRethrownAfterTheWorkersEnd() {
        struct Failed: Error, Equatable { let index: Int }
        #expect(throws: Failed(index: 7)) {
            try Parallel.forEach(count: 20, workers: 1, setup: { 0 }) { _, i in if i == 7 { throw Failed(index: i) } }
        }
        struct SetupFailed: Error {}
        #expect(throws: SetupFailed.self) {
            try Parallel.forEach(count: 5, workers: 2, setup: { () throws -> Int in throw SetupFailed() }) { _, _ in }
        }
    }
}

/// Counts under a mutex: the workers are threads.
final class Counter {
    private var lock = pthread_mutex_t()
    private(set) var setups = 0
    private var seen: [Int] = []

    init() { pthread_mutex_init(&lock, nil) }
    deinit { pthread_mutex_destroy(&lock) }

    func add() { pthread_mutex_lock(&lock); setups += 1; pthread_mutex_unlock(&lock) }
    func mark(_ i: Int) { pthread_mutex_lock(&lock); seen.append(i); pthread_mutex_unlock(&lock) }
    var marked: [Int] { pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }; return seen.sorted() }
}
