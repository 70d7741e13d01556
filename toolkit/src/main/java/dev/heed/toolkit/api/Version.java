package dev.heed.toolkit.api;

import picocli.CommandLine.IVersionProvider;

/** The version recorded in every provenance sidecar. */
public final class Version implements IVersionProvider {
    public static final String VERSION = "0.1.0";

    @Override
    public String[] getVersion() {
        return new String[] {"heed " + VERSION};
    }
}
