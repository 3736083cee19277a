"""LatentSeek (Li et al. 2025): test-time instance-level policy gradient in latent space. The notebooks in nbs/ are the source.

The top-level names are imported on first use (PEP 562), so `import latentseek` and `latentseek --help` stay fast:
`latentseek.Config` imports `latentseek.config` (small); `latentseek.Seeker` imports torch and transformers."""
__version__ = "0.1.0"
import importlib, importlib.util

_LAZY = {  # public name -> the module that defines it (a name equal to its module's is the module itself)
    **dict.fromkeys(['Config', 'METHODS', 'REWARDS'], 'config'),
    **dict.fromkeys(['DatasetSpec', 'KINDS', 'get_kind'], 'kinds'),
    **dict.fromkeys(['solver_messages', 'verifier_messages', 'chat_ids', 'dataset_kind'], 'prompts'),
    **dict.fromkeys(['Problem', 'load_problems'], 'data'),
    **dict.fromkeys(['extract_answer', 'judge'], 'answers'),
    **dict.fromkeys(['load_model'], 'models'),
    **dict.fromkeys(['ModelHandle'], 'handle'),
    **dict.fromkeys(['TokenBackend', 'Generation', 'Request', 'Scheduler'], 'backend'),
    **dict.fromkeys(['Engine', 'generate', 'reference_generate'], 'generation'),
    **dict.fromkeys(['Reward', 'PSRM', 'SelfReward', 'make_reward'], 'reward'),
    **dict.fromkeys(['Method', 'Seeker', 'SeekResult', 'get_method'], 'seek'),
    **dict.fromkeys(['LatentSeek', 'Latents', 'latent_step', 'update_length', 'reference_latent_seek'], 'methods.latentseek'),
    **dict.fromkeys(['to_record'], 'records'),
    **dict.fromkeys(['summarize'], 'evaluate'),  # latentseek.evaluate stays the module: evaluate.evaluate(cfg) runs an evaluation
    'regrade': 'regrade',  # the module too (a function of the same name would shadow it): regrade.regrade(path) re-judges a run
}
__all__ = ['__version__', *_LAZY]

def __getattr__(name: str):
    "Import the module that defines `name` on first use, and keep the value here (PEP 562)."
    if name not in _LAZY and importlib.util.find_spec(f'{__name__}.{name}') is None: raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f'.{_LAZY.get(name, name)}', __name__)  # a name not listed: a submodule (latentseek.evaluate, latentseek.cli)
    value = module if name == _LAZY.get(name, name) else getattr(module, name)
    globals()[name] = value
    return value

def __dir__(): return sorted({*globals(), *_LAZY})
