/**
 * Model adapters: how saliency methods reach inside a network. {@link dev.heed.toolkit.model.Dl4jModel} runs DL4J
 * networks node by node in inference mode; {@link dev.heed.toolkit.model.Dl4jModels} loads and saves model zips
 * with their {@link dev.heed.toolkit.model.ModelCard}.
 */
package dev.heed.toolkit.model;
