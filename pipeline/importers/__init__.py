"""Other formats in: a Word document (.docx) becomes a manuscript folder in the dialect."""
