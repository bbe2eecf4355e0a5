// gradcheck: verifies gradients against central finite differences. See `gradcheck --help`.
import Foundation
import GradCheckCore

exit(GradCheckCommand.run(Array(CommandLine.arguments.dropFirst())))
