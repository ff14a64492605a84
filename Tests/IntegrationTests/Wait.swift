import Foundation

/// Polls a condition until it holds. The deadline only keeps a broken run from hanging;
/// no test asserts how long anything took.
enum Wait {
    static func until(deadline seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }
}
