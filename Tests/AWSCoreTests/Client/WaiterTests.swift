import Testing
@testable import AWSCore

struct WaiterTests {
    @Test func pollsUntilDoneAndReturnsTheValue() throws {
        var polls = 0
        var waiter = Waiter("thing", timeout: 5, firstDelay: 0.001, maxDelay: 0.002)
        waiter.progress = false
        let value = try waiter.wait { () -> Waiter.Poll<String> in
            polls += 1
            return polls < 3 ? .pending("state \(polls)") : .done("ready")
        }
        #expect(value == "ready")
        #expect(polls == 3)
    }

    @Test func theDeadlineEndsTheWaitWithTheLastStateNamed() {
        var waiter = Waiter("image ami-1", timeout: 0.01, firstDelay: 0.002, maxDelay: 0.004)
        waiter.progress = false
        do {
            _ = try waiter.wait { () -> Waiter.Poll<Void> in .pending("pending") }
            Issue.record("the wait did not end")
        } catch let ToolError.remote(message) {
            #expect(message.contains("image ami-1") && message.contains("'pending'"), "\(message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func anErrorOfThePollEndsTheWait() {
        struct Broken: Error {}
        let waiter = Waiter("x", timeout: 5, firstDelay: 0.001)
        var polls = 0
        #expect(throws: Broken.self) {
            try waiter.wait { () -> Waiter.Poll<Void> in
                polls += 1
                throw Broken()
            }
        }
        #expect(polls == 1)
    }
}
