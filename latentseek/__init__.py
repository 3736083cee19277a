"""LatentSeek (Li et al. 2025): test-time instance-level policy gradient in latent space. The notebooks in nbs/ are the source."""
__version__ = "0.1.0"
from .config import Config, METHODS, REWARDS
from .kinds import DatasetSpec, KINDS, get_kind
from .prompts import solver_messages, verifier_messages, chat_ids, dataset_kind
from .data import Problem, load_problems
from .answers import extract_answer, judge
from .models import load_model
from .handle import ModelHandle
from .backend import TokenBackend, Generation, Request, Scheduler
from .generation import Engine, generate, reference_generate
from .reward import Reward, PSRM, SelfReward, make_reward
from .seek import Method, Seeker, SeekResult, get_method
from .methods.latentseek import LatentSeek, Latents, latent_step, update_length, reference_latent_seek
from .records import to_record
from .evaluate import summarize  # latentseek.evaluate stays the module: evaluate.evaluate(cfg) runs an evaluation
from . import regrade  # the module too (a function of the same name would shadow it): regrade.regrade(path) re-judges a run
