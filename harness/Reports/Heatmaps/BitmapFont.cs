namespace AnomalyBench.Harness.Reports.Heatmaps;

/// <summary>
/// A 3×5 pixel font for the labels of heat-map grids (scores, column titles): digits, capitals (lower case is drawn
/// as capitals) and the punctuation numbers need; anything else is drawn as '?'. Each glyph advances 4 pixels.
/// </summary>
public static class BitmapFont
{
    public const int GlyphWidth = 3;
    public const int GlyphHeight = 5;
    public const int Advance = 4;

    // Rows top to bottom, three columns each ('#' = ink).
    private static readonly Dictionary<char, string> s_glyphs = new()
    {
        ['0'] = "### #.# #.# #.# ###", ['1'] = ".#. ##. .#. .#. ###", ['2'] = "### ..# ### #.. ###", ['3'] = "### ..# ### ..# ###",
        ['4'] = "#.# #.# ### ..# ..#", ['5'] = "### #.. ### ..# ###", ['6'] = "### #.. ### #.# ###", ['7'] = "### ..# ..# ..# ..#",
        ['8'] = "### #.# ### #.# ###", ['9'] = "### #.# ### ..# ###",
        ['A'] = ".#. #.# ### #.# #.#", ['B'] = "##. #.# ##. #.# ##.", ['C'] = ".## #.. #.. #.. .##", ['D'] = "##. #.# #.# #.# ##.",
        ['E'] = "### #.. ##. #.. ###", ['F'] = "### #.. ##. #.. #..", ['G'] = ".## #.. #.# #.# .##", ['H'] = "#.# #.# ### #.# #.#",
        ['I'] = "### .#. .#. .#. ###", ['J'] = "..# ..# ..# #.# .#.", ['K'] = "#.# #.# ##. #.# #.#", ['L'] = "#.. #.. #.. #.. ###",
        ['M'] = "#.# ### ### #.# #.#", ['N'] = "##. #.# #.# #.# #.#", ['O'] = ".#. #.# #.# #.# .#.", ['P'] = "##. #.# ##. #.. #..",
        ['Q'] = ".#. #.# #.# ##. .##", ['R'] = "##. #.# ##. #.# #.#", ['S'] = ".## #.. .#. ..# ##.", ['T'] = "### .#. .#. .#. .#.",
        ['U'] = "#.# #.# #.# #.# ###", ['V'] = "#.# #.# #.# #.# .#.", ['W'] = "#.# #.# ### ### #.#", ['X'] = "#.# #.# .#. #.# #.#",
        ['Y'] = "#.# #.# .#. .#. .#.", ['Z'] = "### ..# .#. #.. ###",
        [' '] = "... ... ... ... ...", ['.'] = "... ... ... ... .#.", [','] = "... ... ... .#. #..", ['-'] = "... ... ### ... ...",
        ['+'] = "... .#. ### .#. ...", [':'] = "... .#. ... .#. ...", ['='] = "... ### ... ### ...", ['_'] = "... ... ... ... ###",
        ['/'] = "..# ..# .#. #.. #..", ['('] = "..# .#. .#. .#. ..#", [')'] = "#.. .#. .#. .#. #..", ['%'] = "#.# ..# .#. #.. #.#",
        ['?'] = "### ..# .#. ... .#.",
    };

    /// <summary>Whether the pixel (x, y) of <paramref name="c"/>'s glyph is inked.</summary>
    public static bool Ink(char c, int x, int y)
    {
        var glyph = s_glyphs.GetValueOrDefault(char.ToUpperInvariant(c)) ?? s_glyphs['?'];
        return glyph[y * (GlyphWidth + 1) + x] == '#';
    }

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/>.</summary>
    public static int Width(string text, int scale) => text.Length == 0 ? 0 : (text.Length * Advance - 1) * scale;
}
