import Foundation
import NN
import TourChaptersAutoDiff
import TourChaptersNN1
import TourChaptersNN2
import TourDocument

/// The chapters, in order.
let chapters: [Chapter] = [
    Chapter(number: 1, name: "tape", title: "A scalar expression on the tape", run: tapeChapter),
    Chapter(number: 2, name: "neuron", title: "One neuron and its activations", run: neuronChapter),
    Chapter(number: 3, name: "layer", title: "Forward and backward through a layer", run: layerChapter),
    Chapter(number: 4, name: "losses", title: "Losses, and why logits are stable", run: lossesChapter),
    Chapter(number: 5, name: "descent", title: "Gradient descent and the learning rate", run: descentChapter),
    Chapter(number: 6, name: "xor", title: "XOR with a 2-3-1 sigmoid network", run: xorChapter),
    Chapter(number: 7, name: "classifier", title: "A binary classifier, Keras style", run: classifierChapter),
    Chapter(number: 8, name: "optimizers", title: "Optimizers side by side", run: optimizersChapter),
    Chapter(number: 9, name: "overfitting", title: "Overfitting and its cures", run: overfittingChapter),
    Chapter(number: 10, name: "digits", title: "Handwritten digits", run: digitsChapter),
    Chapter(number: 11, name: "convolutions", title: "Convolutions", run: convolutionsChapter),
    Chapter(number: 12, name: "sequences", title: "Sequences: a character model that invents names", run: sequencesChapter),
    Chapter(number: 13, name: "trust", title: "Trust your gradients", run: trustChapter),
]
