"""The manuscript dialect: pandoc-compatible Markdown read with source lines kept."""
