// gradcheck: verifies gradients against central finite differences. See `gradcheck --help`.
import Foundation
import GradCheckCore

// The plain tool adds no functions to the expression language; a program adds its own by passing them to
// `GradCheckCommand.run(_:functions:)` (see Tests/Fixtures/GradCheckFixture).
exit(GradCheckCommand.run(Array(CommandLine.arguments.dropFirst()), functions: [:]))
