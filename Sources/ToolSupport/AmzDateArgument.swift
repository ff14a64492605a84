import ArgumentParser
import AWSCore

/// `--time 20150830T123600Z`: basic or extended ISO 8601 in UTC.
extension AmzDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso8601: argument) }
}
