@testable import AWSCore

/// The message of the usage error `body` throws; nil when it throws none.
func usageMessage(_ body: () throws -> Void) -> String? {
    do { try body() } catch let ToolError.usage(m) { return m } catch { return "unexpected \(error)" }
    return nil
}
